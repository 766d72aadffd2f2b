/**
 * The LiveKit worker's agent: `agentctl worker dev|start|connect` hands this
 * file to the agents framework, which runs `entry` once per job (room).
 *
 * The job reads `agent_id`, `user_id`, `tenant_id`, `user_details` and
 * `overrides` from the dispatch metadata, else the room metadata; loads the
 * agent from the store named by AGENTCTL_STORE / MONGO_URI (the worker command
 * sets it); and runs a voice session with the configured agent. A job that
 * cannot start (no agent_id, unknown or disabled agent, another tenant, quota,
 * metadata too large or deep, bad overrides, missing API keys, store down)
 * logs one line, tells the room on `llm-structured-response`
 * (`{"type":"session_refused",...}`) and ends; the worker itself keeps running.
 */
import { defineAgent, log as agentsLog, voice, type JobContext, type JobProcess, type VAD } from '@livekit/agents';
import * as silero from '@livekit/agents-plugin-silero';
import { openStore } from '../store/open.js';
import { resolveStoreUri } from '../store/uri.js';
import { ConfiguredAgent, createVoiceModels, sessionOptions } from './agent-factory.js';
import { ConfigResolver } from './config-resolver.js';
import { readJobMetadata, refuseSession, startJob } from './job.js';
import { redactingLog, type LogFields, type WorkerLog } from './log.js';
import type { RoomPublisher } from './room-messages.js';

interface ProcessData extends Record<string, unknown> {
  vad?: VAD;
}

function frameworkLog(): WorkerLog {
  const logger = agentsLog();
  return redactingLog({
    info: (message: string, fields: LogFields = {}) => logger.info(fields, message),
    warn: (message: string, fields: LogFields = {}) => logger.warn(fields, message),
    error: (message: string, fields: LogFields = {}) => logger.error(fields, message),
  });
}

async function runJob(ctx: JobContext<ProcessData>, log: WorkerLog): Promise<void> {
  await ctx.connect();
  const publisher: RoomPublisher = {
    publishData: async (data, options) => {
      const participant = ctx.room.localParticipant;
      if (!participant) throw new Error('not connected to the room');
      await participant.publishData(data, options);
    },
  };
  const store = await openStore(resolveStoreUri(undefined, process.env));
  const resolver = new ConfigResolver(store, log);
  resolver.watch();
  const closeStore = async () => {
    await resolver.close();
    await store.close();
  };

  const environment = { store, resolver, room: publisher, log, env: process.env };
  const read = readJobMetadata(ctx.job.metadata, ctx.room.metadata, log);
  const started = read.ok ? await startJob(read.metadata, environment) : await refuseSession(read, null, environment);
  if (!started.ok) {
    await closeStore();
    ctx.shutdown(started.reason);
    return;
  }
  const session = started.session;
  ctx.addShutdownCallback(async () => {
    await session.end();
    await closeStore();
  });

  const definition = session.definition;
  const models = createVoiceModels(definition, process.env, ctx.proc.userData.vad);
  const agent = new ConfiguredAgent(session, models, process.env, log);
  const agentSession = new voice.AgentSession(sessionOptions(definition, models));
  await agentSession.start({
    agent,
    room: ctx.room,
    outputOptions: { transcriptionEnabled: definition.pipeline_config?.transcription_enabled !== false },
  });
}

export default defineAgent<ProcessData>({
  prewarm: async (proc: JobProcess<ProcessData>) => {
    // Loaded once per process; used only by agents with pipeline_config.vad_enabled (the default).
    proc.userData.vad = await silero.VAD.load();
  },
  entry: async (ctx: JobContext<ProcessData>) => {
    const log = frameworkLog();
    try {
      await runJob(ctx, log);
    } catch (error) {
      // One job's failure must never take the worker down.
      log.error(`job failed: ${(error as Error).message}`, { room: ctx.room.name ?? null });
      ctx.shutdown('job failed');
    }
  },
});
