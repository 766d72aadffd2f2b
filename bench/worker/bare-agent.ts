/**
 * The baseline of bench/worker: a bare agents-js agent with the models
 * agentctl's worker builds for the benchmark's agent (the OpenAI plugin's LLM,
 * STT and TTS against BENCH_OPENAI_BASE_URL, silero VAD loaded in prewarm,
 * turns and interruptions by VAD) and nothing else: no store, no config, no
 * schema. Run as `node --import tsx bench/worker/bare-agent.ts start`; the
 * load is running jobs over BENCH_MAX_JOBS, as `agentctl worker --max-jobs`
 * reports it, so that a busy host does not stop the server offering jobs;
 * its health-check server listens on 127.0.0.1:BENCH_HTTP_PORT.
 */
import { fileURLToPath } from 'node:url';
import { cli, defineAgent, ServerOptions, voice, type JobContext, type JobProcess, type VAD } from '@livekit/agents';
import * as openai from '@livekit/agents-plugin-openai';
import * as silero from '@livekit/agents-plugin-silero';

interface ProcessData extends Record<string, unknown> {
  vad?: VAD;
}

const INSTRUCTIONS = 'You are a visa officer conducting a student visa interview. Keep every reply under three sentences.';

export default defineAgent<ProcessData>({
  prewarm: async (proc: JobProcess<ProcessData>) => {
    proc.userData.vad = await silero.VAD.load();
  },
  entry: async (ctx: JobContext<ProcessData>) => {
    await ctx.connect();
    const baseURL = process.env.BENCH_OPENAI_BASE_URL;
    const apiKey = process.env.BENCH_OPENAI_KEY ?? 'bench';
    const vad = ctx.proc.userData.vad ?? null;
    const session = new voice.AgentSession({
      stt: new openai.STT({ apiKey, baseURL, useRealtime: false, model: 'gpt-4o-transcribe', language: 'en' }),
      tts: new openai.TTS({ apiKey, baseURL, model: 'gpt-4o-mini-tts', voice: 'alloy' }),
      vad,
      turnHandling: { turnDetection: 'vad', interruption: { mode: 'vad' } },
    });
    const agent = new voice.Agent({ instructions: INSTRUCTIONS, llm: new openai.LLM({ apiKey, baseURL, model: 'gpt-5-nano' }) });
    await session.start({ agent, room: ctx.room, outputOptions: { transcriptionEnabled: true } });
  },
});

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const maxJobs = Number(process.env.BENCH_MAX_JOBS ?? 4);
  cli.runApp(
    new ServerOptions({
      agent: fileURLToPath(import.meta.url),
      production: process.argv[2] === 'start',
      loadFunc: async (server) => Math.min(server.activeJobs.length / maxJobs, 1),
      loadThreshold: 1,
      // The health-check server, on loopback (agents-js binds 0.0.0.0:8081 in production).
      host: '127.0.0.1',
      port: Number(process.env.BENCH_HTTP_PORT),
    }),
  );
}
