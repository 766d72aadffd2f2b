/**
 * What the worker does for one room, apart from audio: read the job's
 * metadata, resolve and check the agent's config, merge session overrides,
 * record the session under the tenant's quota, render the prompt, set up
 * tracing, publish each turn's verdict, and follow config changes while the
 * room lives. It talks to the room only through `RoomPublisher`, so it runs
 * the same in a LiveKit job, in `agentctl chat` and in tests.
 */
import { randomUUID } from 'node:crypto';
import type { AgentDefinition } from '../definition/types.js';
import type { ConfigChange, ConfigStore, StoredAgent } from '../store/types.js';
import { diffJson } from '../sync/json-diff.js';
import type { ConfigResolver } from './config-resolver.js';
import type { WorkerLog } from './log.js';
import { applySessionOverrides } from './overrides.js';
import { renderPrompt } from './prompt.js';
import {
  CONFIG_UPDATE_TOPIC,
  STRUCTURED_RESPONSE_TOPIC,
  publishJson,
  type RefusalReason,
  type RoomPublisher,
} from './room-messages.js';
import { classifyChanges, openSessionRecord, tenantOf, type SessionIdentity } from './sessions.js';
import { buildOutputContract, schemaInstructions, type OutputContract, type ReplyVerdict } from './structured-reply.js';
import { createSessionTracer, type SessionTracer } from './tracing.js';

/** What a job may carry in its dispatch metadata or room metadata (JSON). */
export interface JobMetadata {
  agent_id?: string;
  user_id?: string;
  tenant_id?: string;
  user_details?: Record<string, unknown>;
  overrides?: Record<string, unknown>;
}

const METADATA_KEYS = ['agent_id', 'user_id', 'tenant_id', 'user_details', 'overrides'] as const;

function parseMetadata(text: string | undefined, origin: string, log: WorkerLog): Record<string, unknown> {
  if (text === undefined || text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    log.warn(`${origin} metadata is not a JSON object; ignoring it`);
  } catch {
    log.warn(`${origin} metadata is not valid JSON; ignoring it`);
  }
  return {};
}

/** Each key from the dispatch metadata when it has it, else from the room metadata; wrong types are dropped with a log line. */
export function readJobMetadata(dispatchMetadata: string | undefined, roomMetadata: string | undefined, log: WorkerLog): JobMetadata {
  const dispatch = parseMetadata(dispatchMetadata, 'dispatch', log);
  const room = parseMetadata(roomMetadata, 'room', log);
  const metadata: Record<string, unknown> = {};
  for (const key of METADATA_KEYS) {
    const value = key in dispatch ? dispatch[key] : room[key];
    if (value === undefined) continue;
    const wantsObject = key === 'user_details' || key === 'overrides';
    const ok = wantsObject ? typeof value === 'object' && value !== null && !Array.isArray(value) : typeof value === 'string' && value !== '';
    if (ok) metadata[key] = value;
    else log.warn(`metadata ${key} must be ${wantsObject ? 'an object' : 'a non-empty string'}; ignoring it`);
  }
  return metadata as JobMetadata;
}

export interface JobEnvironment {
  store: ConfigStore;
  resolver: ConfigResolver;
  room: RoomPublisher;
  log: WorkerLog;
  env: NodeJS.ProcessEnv;
  now?: () => Date;
  newSessionId?: () => string;
}

export type JobStart = { ok: true; session: LiveSession } | { ok: false; reason: RefusalReason; message: string };

/** Starts the session, or refuses it: the refusal is logged and sent to the room on `llm-structured-response`. */
export async function startJob(metadata: JobMetadata, environment: JobEnvironment): Promise<JobStart> {
  const result = await admit(metadata, environment);
  if (!result.ok) {
    // Info, not a warning: a refusal is the system working as configured (the room is told why).
    environment.log.info(`session refused: ${result.message}`, { agent_id: metadata.agent_id ?? null, reason: result.reason });
    await publishJson(environment.room, STRUCTURED_RESPONSE_TOPIC, {
      type: 'session_refused',
      agent_id: metadata.agent_id ?? null,
      reason: result.reason,
      message: result.message,
    }).catch((error: unknown) => environment.log.error('could not tell the room why the session was refused', { reason: (error as Error).message }));
  }
  return result;
}

async function admit(metadata: JobMetadata, environment: JobEnvironment): Promise<JobStart> {
  const { store, resolver, log } = environment;
  const agentId = metadata.agent_id;
  if (agentId === undefined) {
    return { ok: false, reason: 'missing_agent_id', message: 'neither the dispatch nor the room metadata names an agent_id' };
  }
  let stored: StoredAgent | null;
  try {
    stored = await resolver.resolve(agentId);
  } catch (error) {
    return { ok: false, reason: 'store_unavailable', message: `cannot load agent "${agentId}": ${(error as Error).message}` };
  }
  if (!stored) return { ok: false, reason: 'agent_not_found', message: `no agent "${agentId}" in store ${store.displayName}` };
  if (stored.definition.enabled === false) return { ok: false, reason: 'agent_disabled', message: `agent "${agentId}" is disabled` };

  const overrides = metadata.overrides ?? {};
  const merged = applySessionOverrides(stored.definition, overrides);
  for (const rejected of merged.rejected) log.warn(`override ${rejected.path} rejected: ${rejected.reason}`, { agent_id: agentId });
  if (!merged.ok) {
    const first = merged.problems[0];
    const detail = first ? `${first.path || '/'}: ${first.message}` : 'invalid';
    return { ok: false, reason: 'invalid_config', message: `agent "${agentId}" with these session overrides is invalid (${detail})` };
  }

  const now = (environment.now ?? (() => new Date()))();
  const identity: SessionIdentity = {
    sessionId: (environment.newSessionId ?? randomUUID)(),
    agentId,
    userId: metadata.user_id ?? 'anonymous',
    tenantId: tenantOf(merged.definition, metadata.tenant_id),
    userDetails: metadata.user_details ?? {},
    overrides,
  };
  let admitted: boolean;
  try {
    admitted = await openSessionRecord(store, merged.definition, identity, now);
  } catch (error) {
    return { ok: false, reason: 'store_unavailable', message: `cannot record the session in store ${store.displayName}: ${(error as Error).message}` };
  }
  if (!admitted) {
    return {
      ok: false,
      reason: 'quota_exceeded',
      message: `tenant "${identity.tenantId}" already has its maximum of ${merged.definition.tenant_config?.quotas?.max_concurrent_sessions} concurrent sessions; try again later`,
    };
  }
  const session = new LiveSession(identity, stored, merged.definition, now, environment);
  await session.start();
  return { ok: true, session };
}

/** One admitted session: the config it runs with, and what it sends to the room. */
export class LiveSession {
  /** The stored definition the session is based on (before overrides). */
  private base: AgentDefinition;
  private currentRevision: number;
  private currentDefinition: AgentDefinition;
  private currentContract: OutputContract;
  private currentInstructions = '';
  private currentTracer: SessionTracer | null = null;
  private unsubscribe: (() => void) | null = null;
  /** Config changes are handled one at a time, in order. */
  private changeQueue: Promise<void> = Promise.resolve();
  private ended = false;
  /** Set by whoever runs the conversation, to take new instructions in place. */
  onInstructionsChanged: ((instructions: string) => Promise<void>) | null = null;

  constructor(
    readonly identity: SessionIdentity,
    stored: StoredAgent,
    definition: AgentDefinition,
    private readonly startedAt: Date,
    private readonly environment: JobEnvironment,
  ) {
    this.base = stored.definition;
    this.currentRevision = stored.meta.revision;
    this.currentDefinition = definition;
    this.currentContract = buildOutputContract(definition);
    this.currentInstructions = this.renderInstructions();
  }

  get definition(): AgentDefinition {
    return this.currentDefinition;
  }
  get revision(): number {
    return this.currentRevision;
  }
  get contract(): OutputContract {
    return this.currentContract;
  }
  get instructions(): string {
    return this.currentInstructions;
  }
  get tracer(): SessionTracer | null {
    return this.currentTracer;
  }

  /** Sets up tracing and starts following config changes. */
  async start(): Promise<void> {
    this.currentTracer = await this.createTracer();
    this.unsubscribe = this.environment.resolver.onChange((change) => {
      if (change.agent_id !== this.identity.agentId) return;
      this.changeQueue = this.changeQueue.then(() => this.applyChange(change)).catch((error: unknown) => {
        this.environment.log.error('applying a config change failed', { agent_id: this.identity.agentId, reason: (error as Error).message });
      });
    });
    this.environment.log.info('session started', {
      session_id: this.identity.sessionId,
      agent_id: this.identity.agentId,
      revision: this.currentRevision,
      tenant_id: this.identity.tenantId,
      tracing: this.currentTracer !== null,
    });
  }

  /** Publishes a finished turn: the visible object, or why there is none. The spoken text has already played. */
  async publishVerdict(verdict: ReplyVerdict): Promise<void> {
    const { agentId, sessionId } = this.identity;
    if (verdict.kind === 'valid') {
      await publishJson(this.environment.room, STRUCTURED_RESPONSE_TOPIC, {
        type: 'structured_response',
        agent_id: agentId,
        session_id: sessionId,
        revision: this.currentRevision,
        data: verdict.published,
      });
      return;
    }
    const errors = verdict.kind === 'invalid' ? verdict.errors : ['the model replied in plain text, not the JSON schema'];
    this.environment.log.warn('structured output failed its schema', { agent_id: agentId, session_id: sessionId, errors });
    await publishJson(this.environment.room, STRUCTURED_RESPONSE_TOPIC, {
      type: 'structured_response_invalid',
      agent_id: agentId,
      session_id: sessionId,
      revision: this.currentRevision,
      errors,
    });
  }

  /** Ends the session: removes its record (freeing quota), flushes tracing. Idempotent. */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.unsubscribe?.();
    await this.changeQueue;
    await this.environment.store.endSession(this.identity.sessionId).catch((error: unknown) => {
      this.environment.log.error('could not remove the session record', { session_id: this.identity.sessionId, reason: (error as Error).message });
    });
    await this.currentTracer?.shutdown();
    this.environment.log.info('session ended', { session_id: this.identity.sessionId, agent_id: this.identity.agentId });
  }

  /** Waits until the config changes seen so far have been handled. */
  async settled(): Promise<void> {
    await this.changeQueue;
  }

  private renderInstructions(): string {
    const rendered = renderPrompt(this.currentDefinition, {
      agentId: this.identity.agentId,
      sessionId: this.identity.sessionId,
      userId: this.identity.userId,
      tenantId: this.identity.tenantId,
      userDetails: this.identity.userDetails,
      now: this.startedAt,
    });
    if (rendered.missing.length > 0) {
      this.environment.log.warn('prompt placeholders without a value', { agent_id: this.identity.agentId, missing: rendered.missing });
    }
    return this.currentContract.responseFormat ? rendered.text : `${rendered.text}\n\n${schemaInstructions(this.currentContract)}`;
  }

  private createTracer(): Promise<SessionTracer | null> {
    return createSessionTracer(
      this.currentDefinition.tracing_config,
      { ...this.identity, revision: this.currentRevision },
      this.environment.env,
      this.environment.log,
    );
  }

  private async applyChange(change: ConfigChange): Promise<void> {
    if (this.ended) return;
    const { agentId } = this.identity;
    const stored = change.kind === 'delete' ? null : await this.environment.resolver.resolve(agentId);
    if (stored && stored.meta.revision === this.currentRevision) return;
    const changed = diffJson(this.base, stored?.definition ?? {}).map((difference) => difference.path);
    let { applied, reconnectRequired } = classifyChanges(changed);
    const merged = stored ? applySessionOverrides(stored.definition, this.identity.overrides) : null;
    if (!stored || stored.definition.enabled === false || !merged?.ok) {
      applied = [];
      reconnectRequired = true;
      if (merged && !merged.ok) this.environment.log.warn('changed config is invalid with this session\'s overrides; keeping the running config', { agent_id: agentId });
    } else {
      const before = this.currentDefinition;
      this.base = stored.definition;
      this.currentRevision = stored.meta.revision;
      this.currentDefinition = merged.definition;
      this.currentContract = buildOutputContract(merged.definition);
      const instructions = this.renderInstructions();
      if (instructions !== this.currentInstructions) {
        this.currentInstructions = instructions;
        await this.onInstructionsChanged?.(instructions);
      }
      if (JSON.stringify(before.tracing_config) !== JSON.stringify(merged.definition.tracing_config)) {
        await this.currentTracer?.shutdown();
        this.currentTracer = await this.createTracer();
      }
    }
    this.environment.log.info('config changed during the session', { agent_id: agentId, revision: stored?.meta.revision ?? change.revision, applied });
    await publishJson(this.environment.room, CONFIG_UPDATE_TOPIC, {
      type: 'config_changed',
      agent_id: agentId,
      revision: stored?.meta.revision ?? change.revision,
      changed,
      applied,
      reconnect_required: reconnectRequired,
    });
  }
}
