/**
 * The LiveKit worker's agent: `agentctl worker dev|start|connect` hands this
 * file to the agents framework, which runs `entry` once per job (room).
 *
 * `prewarm` runs once per job process: it loads the VAD model and opens the
 * store named by AGENTCTL_STORE / MONGO_URI (the worker command sets it) with
 * its config cache and watch (see process-configs.ts). The job reads
 * `agent_id`, `user_id`, `tenant_id`, `user_details` and `overrides` from the
 * dispatch metadata, else the room metadata; takes the agent from that cache;
 * and runs a voice session with the configured agent, its agent type, tools,
 * validators and nodes from the project file (AGENTCTL_CONFIG, loaded once
 * per process; see src/project/load.ts). A job that
 * cannot start (no agent_id, unknown or disabled agent, another tenant, quota,
 * metadata too large or deep, bad overrides, missing API keys, store down)
 * logs one line, tells the room on `llm-structured-response`
 * (`{"type":"session_refused",...}`) and ends; the worker itself keeps running.
 */
import { defineAgent, log as agentsLog, voice, type JobContext, type JobProcess, type VAD } from '@livekit/agents';
import * as silero from '@livekit/agents-plugin-silero';
import { resolveStoreUri } from '../store/uri.js';
import { loadProjectConfigFromEnvironment, type LoadedProjectConfig } from '../project/load.js';
import { VoiceAgent, createVoiceModels, sessionOptions } from './agent-factory.js';
import { readJobMetadata, refuseSession, startJob } from './job.js';
import { redactingLog, type LogFields, type WorkerLog } from './log.js';
import { ProcessConfigs } from './process-configs.js';
import type { RoomPublisher } from './room-messages.js';

interface ProcessData extends Record<string, unknown> {
  vad?: VAD;
  configs?: ProcessConfigs;
  /** The project file (AGENTCTL_CONFIG), loaded once per process. */
  project?: Promise<LoadedProjectConfig | null>;
}

function loadProject(): Promise<LoadedProjectConfig | null> {
  return loadProjectConfigFromEnvironment(process.env, process.cwd());
}

function startProcessConfigs(log: WorkerLog): ProcessConfigs {
  return ProcessConfigs.start({ uri: resolveStoreUri(undefined, process.env), log });
}

/**
 * How long a refused job stays in the room after telling it why: the refusal
 * is a reliable data packet, and leaving at once can close the connection
 * before it has gone out (in the e2e runs, about one refusal in ten was lost).
 */
const REFUSAL_LINGER_MS = 1_500;

async function endRefusedJob(ctx: JobContext<ProcessData>, reason: string): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, REFUSAL_LINGER_MS));
  ctx.shutdown(reason);
}

/** How long prewarm waits for the cache to load; past it the process takes jobs, which read their agent until the load is done. */
const PRELOAD_WAIT_MS = 5_000;

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
  const read = readJobMetadata(ctx.job.metadata, ctx.room.metadata, log);
  const configs = (ctx.proc.userData.configs ??= startProcessConfigs(log));
  const opened = await configs.ready();
  if (!opened.ok) {
    const agentId = read.ok ? (read.metadata.agent_id ?? null) : null;
    await refuseSession({ ok: false, reason: 'store_unavailable', message: opened.message }, agentId, { room: publisher, log });
    await endRefusedJob(ctx, 'store_unavailable');
    return;
  }
  let project: LoadedProjectConfig | null;
  try {
    project = await (ctx.proc.userData.project ??= loadProject());
  } catch (error) {
    const agentId = read.ok ? (read.metadata.agent_id ?? null) : null;
    await refuseSession({ ok: false, reason: 'invalid_config', message: `the project file cannot be loaded: ${(error as Error).message}` }, agentId, { room: publisher, log });
    await endRefusedJob(ctx, 'invalid_config');
    return;
  }
  // The store and its watch live as long as the process, which agents-js ends with its job.
  const environment = { store: opened.store, resolver: opened.resolver, room: publisher, log, env: process.env, ...(project ? { project: project.config } : {}) };
  const started = read.ok ? await startJob(read.metadata, environment) : await refuseSession(read, null, environment);
  if (!started.ok) {
    await endRefusedJob(ctx, started.reason);
    return;
  }
  const job = started.job;
  opened.resolver.retainOnly(job.identity.agentId);
  ctx.addShutdownCallback(async () => {
    await job.end();
  });

  const definition = job.definition;
  const models = createVoiceModels(definition, process.env, ctx.proc.userData.vad);
  const agent = new VoiceAgent({ job, models, env: process.env, log });
  // Tools reach the session through the RunContext's userData: the same object a tool gets in chat.
  const agentSession = new voice.AgentSession({ ...sessionOptions(definition, models), userData: agent.control });
  // A tool or the agent type ended the session (end_call): the job leaves the room.
  agentSession.on(voice.AgentSessionEventTypes.Close, () => ctx.shutdown('session closed'));
  await agentSession.start({
    agent,
    room: ctx.room,
    outputOptions: { transcriptionEnabled: definition.pipeline_config?.transcription_enabled !== false },
  });
}

export default defineAgent<ProcessData>({
  prewarm: async (proc: JobProcess<ProcessData>) => {
    const configs = startProcessConfigs(frameworkLog());
    proc.userData.configs = configs;
    proc.userData.project = loadProject();
    // Failures are reported by the first job that needs the file.
    proc.userData.project.catch(() => undefined);
    // Loaded once per process; used only by agents with pipeline_config.vad_enabled (the default).
    proc.userData.vad = await silero.VAD.load();
    await Promise.race([configs.preloaded, new Promise((resolve) => setTimeout(resolve, PRELOAD_WAIT_MS).unref())]);
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
