/**
 * What the worker does for one room, apart from audio: read the job's
 * metadata, resolve and check the agent's config, merge session overrides,
 * record the session under the tenant's quota, render the prompt, set up
 * tracing, publish each turn's verdict, and follow config changes while the
 * room lives. It talks to the room only through `RoomPublisher`, so it runs
 * the same in a LiveKit job, in `agentctl chat` and in tests.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_PARSE_LIMITS } from '../definition/yaml/parse.js';
import type { AgentDefinition } from '../definition/types.js';
import type { ConfigChange, SessionStore, StoredAgent } from '../store/types.js';
import { diffJson } from '../json/diff.js';
import { isRecord } from '../json/guards.js';
import type { AgentctlConfig, SessionContext, SessionGreeting } from '../project/config.js';
import type { ConfigResolver } from './config-resolver.js';
import { lookUpExtensions, type SessionExtensions } from './extensions.js';
import type { WorkerLog } from './log.js';
import { missingCredentials, describeMissing, VOICE_ROLES, type ProviderRole } from './credentials.js';
import { loadProviderPlugins, type PluginImporter } from './provider-plugins.js';
import { applySessionOverrides, type RejectedOverride } from './overrides.js';
import { renderPrompt, renderPromptText, type PromptContext } from './prompt.js';
import {
  CONFIG_UPDATE_TOPIC,
  STRUCTURED_RESPONSE_TOPIC,
  publishJson,
  type RefusalReason,
  type RoomPublisher,
} from './room-messages.js';
import { classifyChanges, openSessionRecord, servesTenant, sessionTenant, type SessionIdentity } from './sessions.js';
import { buildOutputContract, schemaInstructions, type OutputContract, type ReplyVerdict } from './structured-reply.js';
import { createSessionTracer, type SessionTracer } from './tracing.js';

/** What a job may carry in its dispatch metadata or room metadata (JSON). */
export interface JobMetadata {
  agent_id?: string;
  user_id?: string;
  tenant_id?: string;
  user_details?: Record<string, unknown>;
  /** An object of leaves to set; anything else is rejected like any override the agent does not allow. */
  overrides?: unknown;
}

const METADATA_KEYS = ['agent_id', 'user_id', 'tenant_id', 'user_details', 'overrides'] as const;

/** Each metadata text, and the keys a session takes from them together, at most this many UTF-8 bytes. */
const MAX_METADATA_BYTES = 64 * 1024;
/** Nesting of objects and arrays, the metadata object being level 1: the same limit as definition files. */
const MAX_METADATA_DEPTH = DEFAULT_PARSE_LIMITS.maxDepth;

/** A session that does not start: what the room is told. */
export interface JobRefusal {
  ok: false;
  reason: RefusalReason;
  message: string;
}

export type MetadataRead = { ok: true; metadata: JobMetadata } | JobRefusal;

/** True when objects and arrays nest deeper than `maxDepth`; iterative, so any depth is safe to ask about. */
function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth > maxDepth) return true;
    for (const child of Object.values(next.value)) pending.push({ value: child, depth: next.depth + 1 });
  }
  return false;
}

function invalidMetadata(message: string): JobRefusal {
  return { ok: false, reason: 'invalid_metadata', message };
}

/** The parsed metadata text: an object (`{}` for what is ignored: no text, not JSON, not an object), or a refusal when it is too large or too deep. */
function parseMetadata(text: string | undefined, origin: string, log: WorkerLog): { ok: true; value: Record<string, unknown> } | JobRefusal {
  const ignored = { ok: true as const, value: {} };
  if (text === undefined || text.trim() === '') return ignored;
  // The size first: a huge text is never parsed.
  if (Buffer.byteLength(text, 'utf8') > MAX_METADATA_BYTES) return invalidMetadata(`${origin} metadata is larger than ${MAX_METADATA_BYTES / 1024} KiB`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    log.warn(`${origin} metadata is not valid JSON; ignoring it`);
    return ignored;
  }
  if (!isRecord(value)) {
    log.warn(`${origin} metadata is not a JSON object; ignoring it`);
    return ignored;
  }
  if (nestsDeeperThan(value, MAX_METADATA_DEPTH)) return invalidMetadata(`${origin} metadata nests deeper than ${MAX_METADATA_DEPTH} levels`);
  return { ok: true, value };
}

/** The known keys, each from the first of `sources` that has it, with the right types; the rest are dropped with a log line. */
function pickMetadata(sources: ReadonlyArray<Record<string, unknown>>, log: WorkerLog): JobMetadata {
  const metadata: Record<string, unknown> = {};
  for (const key of METADATA_KEYS) {
    const source = sources.find((candidate) => Object.hasOwn(candidate, key));
    const value = source?.[key];
    if (value === undefined) continue;
    // Overrides of any shape go on to be judged (and, for a strict agent, refused) like any other.
    if (key === 'overrides') {
      metadata[key] = value;
      continue;
    }
    const wantsObject = key === 'user_details';
    const ok = wantsObject ? isRecord(value) : typeof value === 'string' && value !== '';
    if (ok) metadata[key] = value;
    else log.warn(`metadata ${key} must be ${wantsObject ? 'an object' : 'a non-empty string'}; ignoring it`);
  }
  return metadata as JobMetadata;
}

/** The bounds a session's metadata must keep, checked on the value (after the texts were checked before parsing). */
function checkMetadataBounds(metadata: JobMetadata): JobRefusal | null {
  if (nestsDeeperThan(metadata, MAX_METADATA_DEPTH)) return invalidMetadata(`metadata nests deeper than ${MAX_METADATA_DEPTH} levels`);
  let text: string;
  try {
    text = JSON.stringify(metadata);
  } catch (error) {
    // A value handed over directly (a BigInt, say) that no room could have sent.
    return invalidMetadata(`metadata is not JSON: ${messageOf(error)}`);
  }
  if (Buffer.byteLength(text, 'utf8') > MAX_METADATA_BYTES) return invalidMetadata(`metadata is larger than ${MAX_METADATA_BYTES / 1024} KiB`);
  return null;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Each key from the dispatch metadata when it has it, else from the room
 * metadata; wrong types, text that is not JSON and JSON that is not an object
 * are dropped with a log line. Metadata over the size or depth limit is a
 * refusal (`invalid_metadata`), for `refuseSession` to tell the room. Never throws.
 */
export function readJobMetadata(dispatchMetadata: string | undefined, roomMetadata: string | undefined, log: WorkerLog): MetadataRead {
  const dispatch = parseMetadata(dispatchMetadata, 'dispatch', log);
  if (!dispatch.ok) return dispatch;
  const room = parseMetadata(roomMetadata, 'room', log);
  if (!room.ok) return room;
  const metadata = pickMetadata([dispatch.value, room.value], log);
  return checkMetadataBounds(metadata) ?? { ok: true, metadata };
}

export interface JobEnvironment {
  store: SessionStore;
  resolver: ConfigResolver;
  room: RoomPublisher;
  log: WorkerLog;
  env: NodeJS.ProcessEnv;
  /** The project file (`agentctl.config.ts`) whose tools, validators, nodes and agent types the YAML names; none when absent. */
  project?: AgentctlConfig;
  /** The providers the session will use, whose keys must be set: all of them (voice) unless told otherwise. */
  providerRoles?: readonly ProviderRole[];
  /** How provider plugins are imported (tests stand in for one that is not installed). */
  importPlugin?: PluginImporter;
  now?: () => Date;
  newSessionId?: () => string;
}

export type JobStart = { ok: true; job: RoomJob } | JobRefusal;

/** Logs the refusal and tells the room on `llm-structured-response`. Never throws. */
export async function refuseSession(refusal: JobRefusal, agentId: string | null, environment: Pick<JobEnvironment, 'room' | 'log'>): Promise<JobRefusal> {
  // Info, not a warning: a refusal is the system working as configured (the room is told why).
  environment.log.info(`session refused: ${refusal.message}`, { agent_id: agentId, reason: refusal.reason });
  await publishJson(environment.room, STRUCTURED_RESPONSE_TOPIC, { type: 'session_refused', agent_id: agentId, reason: refusal.reason, message: refusal.message }).catch(
    (error: unknown) => environment.log.error('could not tell the room why the session was refused', { reason: (error as Error).message }),
  );
  return { ok: false, reason: refusal.reason, message: refusal.message };
}

/**
 * Starts the session, or refuses it (see `refuseSession`). Never throws:
 * metadata of any shape is checked here too, for callers that did not get it
 * from `readJobMetadata`.
 */
export async function startJob(metadata: JobMetadata, environment: JobEnvironment): Promise<JobStart> {
  let result: JobStart;
  let agentId: string | null = null;
  try {
    const checked = isRecord(metadata) ? pickMetadata([metadata], environment.log) : {};
    agentId = checked.agent_id ?? null;
    result = checkMetadataBounds(checked) ?? (await admit(checked, environment));
  } catch (error) {
    result = { ok: false, reason: 'invalid_config', message: `cannot start a session${agentId === null ? '' : ` of agent "${agentId}"`}: ${messageOf(error)}` };
  }
  if (!result.ok) return refuseSession(result, agentId, environment);
  return result;
}

/** At most this many rejected overrides are logged one by one. */
const LOGGED_REJECTIONS = 20;

function logRejectedOverrides(rejected: readonly RejectedOverride[], agentId: string, log: WorkerLog): void {
  for (const item of rejected.slice(0, LOGGED_REJECTIONS)) log.warn(`override ${item.path || '(all)'} rejected: ${item.reason}`, { agent_id: agentId });
  if (rejected.length > LOGGED_REJECTIONS) log.warn(`${rejected.length - LOGGED_REJECTIONS} more overrides rejected`, { agent_id: agentId });
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
  if (!servesTenant(stored.definition, metadata.tenant_id)) {
    return { ok: false, reason: 'tenant_mismatch', message: `agent "${agentId}" does not serve tenant "${metadata.tenant_id}"` };
  }
  const tenantId = sessionTenant(stored.definition);
  if (metadata.tenant_id !== undefined && metadata.tenant_id !== tenantId) {
    log.info(`metadata tenant_id "${metadata.tenant_id}" ignored: agent "${agentId}" has no tenant_config, so its sessions count under "${tenantId}"`, { agent_id: agentId });
  }

  const merged = applySessionOverrides(stored.definition, metadata.overrides);
  logRejectedOverrides(merged.rejected, agentId, log);
  if (merged.rejected.length > 0 && stored.definition.session_overrides?.strict === true) {
    const listed = merged.rejected.slice(0, 5).map((item) => `${item.path || '(all)'} (${item.reason})`);
    const more = merged.rejected.length > listed.length ? `, and ${merged.rejected.length - listed.length} more` : '';
    return { ok: false, reason: 'invalid_overrides', message: `agent "${agentId}" takes only the overrides it allows (session_overrides.strict): ${listed.join(', ')}${more}` };
  }
  if (!merged.ok) {
    const first = merged.problems[0];
    const detail = first ? `${first.path || '/'}: ${first.message}` : 'invalid';
    return { ok: false, reason: 'invalid_config', message: `agent "${agentId}" with these session overrides is invalid (${detail})` };
  }
  const extensions = lookUpExtensions(merged.definition, environment.project);
  if (!extensions.ok) {
    return { ok: false, reason: 'invalid_config', message: `agent "${agentId}" names what this worker's project config lacks: ${extensions.missing.join(', ')}` };
  }
  const missing = missingCredentials(merged.definition, environment.env, environment.providerRoles);
  if (missing.length > 0) {
    return { ok: false, reason: 'missing_credentials', message: `agent "${agentId}" cannot start: ${describeMissing(missing)}` };
  }
  const pluginMissing = await loadProviderPlugins(merged.definition, environment.providerRoles ?? VOICE_ROLES, environment.importPlugin);
  if (pluginMissing !== null) return { ok: false, reason: 'invalid_config', message: `agent "${agentId}" cannot start: ${pluginMissing}` };

  const now = (environment.now ?? (() => new Date()))();
  const identity: SessionIdentity = {
    sessionId: (environment.newSessionId ?? randomUUID)(),
    agentId,
    userId: metadata.user_id ?? 'anonymous',
    tenantId,
    userDetails: metadata.user_details ?? {},
    overrides: isRecord(metadata.overrides) ? metadata.overrides : {},
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
  let job: RoomJob;
  try {
    job = new RoomJob(identity, stored, merged.definition, extensions.extensions, now, environment);
    await job.start();
  } catch (error) {
    // The record would hold a quota slot until it expires.
    await store.endSession(identity.sessionId).catch(() => undefined);
    return { ok: false, reason: 'invalid_config', message: `cannot start a session of agent "${agentId}": ${messageOf(error)}` };
  }
  return { ok: true, job };
}

/**
 * What the worker holds for the room of one admitted session: the config the
 * session runs with (following stored changes), and what it sends to the room.
 * The conversation itself is agents-js's `voice.AgentSession`, or a
 * `TextConversation` in `agentctl chat`.
 */
export class RoomJob {
  /** The stored definition the session is based on (before overrides). */
  private base: AgentDefinition;
  private currentRevision: number;
  private currentDefinition: AgentDefinition;
  private currentContract: OutputContract;
  private currentInstructions = '';
  private currentExtensions: SessionExtensions;
  private currentTracer: SessionTracer | null = null;
  private unsubscribe: (() => void) | null = null;
  /** Config changes are handled one at a time, in order. */
  private changeQueue: Promise<void> = Promise.resolve();
  private ended = false;
  /** Set by whoever runs the conversation, to take new instructions in place. */
  onInstructionsChanged: ((instructions: string) => Promise<void>) | null = null;
  /** Set by whoever runs the conversation, to offer the model a changed `llm_config.tools` from the next request on. */
  onToolsChanged: (() => Promise<void>) | null = null;

  constructor(
    readonly identity: SessionIdentity,
    stored: StoredAgent,
    definition: AgentDefinition,
    extensions: SessionExtensions,
    private readonly startedAt: Date,
    private readonly environment: JobEnvironment,
  ) {
    this.currentExtensions = extensions;
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
  get extensions(): SessionExtensions {
    return this.currentExtensions;
  }
  /** Who the session's code is working for: what validators, nodes and tools are told. */
  get context(): SessionContext {
    return { agentId: this.identity.agentId, tenantId: this.identity.tenantId, sessionId: this.identity.sessionId };
  }

  /** `prompt_config.greeting` with the session's values, as the instructions get them; null when the agent has none. */
  get greeting(): SessionGreeting | null {
    const greeting = this.currentDefinition.prompt_config.greeting;
    if (greeting === undefined) return null;
    if (typeof greeting === 'string') return { kind: 'say', text: this.renderText(greeting, 'greeting') };
    return greeting.instructions === undefined ? { kind: 'generate' } : { kind: 'generate', instructions: this.renderText(greeting.instructions, 'greeting') };
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
    this.environment.log.warn('structured output failed its schema or a validator', { agent_id: agentId, session_id: sessionId, errors });
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

  private promptContext(): PromptContext {
    return {
      agentId: this.identity.agentId,
      sessionId: this.identity.sessionId,
      userId: this.identity.userId,
      tenantId: this.identity.tenantId,
      userDetails: this.identity.userDetails,
      now: this.startedAt,
    };
  }

  private renderText(template: string, what: string): string {
    const rendered = renderPromptText(template, this.currentDefinition, this.promptContext());
    if (rendered.missing.length > 0) this.environment.log.warn(`${what} placeholders without a value`, { agent_id: this.identity.agentId, missing: rendered.missing });
    return rendered.text;
  }

  private renderInstructions(): string {
    const rendered = renderPrompt(this.currentDefinition, this.promptContext());
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
    // A config that became strict would have refused these overrides: it is not taken in place either.
    const strictRefuses = merged !== null && merged.rejected.length > 0 && stored?.definition.session_overrides?.strict === true;
    const extensions = merged?.ok ? lookUpExtensions(merged.definition, this.environment.project) : null;
    if (!stored || stored.definition.enabled === false || !merged?.ok || strictRefuses || !extensions?.ok) {
      applied = [];
      reconnectRequired = true;
      if (merged && (!merged.ok || strictRefuses)) this.environment.log.warn('changed config is invalid with this session\'s overrides; keeping the running config', { agent_id: agentId });
      else if (extensions && !extensions.ok) this.environment.log.warn(`changed config names what this worker's project config lacks (${extensions.missing.join(', ')}); keeping the running config`, { agent_id: agentId });
    } else {
      const toolsBefore = Object.keys(this.currentExtensions.tools);
      this.currentExtensions = extensions.extensions;
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
      if (JSON.stringify(toolsBefore) !== JSON.stringify(Object.keys(extensions.extensions.tools))) await this.onToolsChanged?.();
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
