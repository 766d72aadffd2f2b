/**
 * Optional Langfuse tracing. A session is traced only when its config says
 * `tracing_config.enabled` and the session falls inside `sample_rate`; in
 * every other case no client is created (and the langfuse module is never
 * loaded), so disabled tracing costs nothing. Keys come from the environment.
 */
import { createHash } from 'node:crypto';
import type { TracingConfig } from '../definition/types.js';
import type { WorkerLog } from './log.js';

export interface TraceIdentity {
  sessionId: string;
  agentId: string;
  userId: string;
  tenantId: string;
  revision: number;
  userDetails: Record<string, unknown>;
}

interface LlmTurnRecord {
  model: string;
  input: unknown;
  output: unknown;
  startTime: Date;
  endTime: Date;
  /** The turn's structured object, for `metadata_fields`. */
  structured?: Record<string, unknown>;
}

interface TtsRecord {
  text: string;
  instructions?: string;
  startTime: Date;
  endTime: Date;
}

export interface SessionTracer {
  recordLlmTurn(turn: LlmTurnRecord): void;
  recordTts(record: TtsRecord): void;
  /** A reply the room was told is invalid (its schema or a custom validator), with the reasons it was given. */
  recordInvalidReply(errors: readonly string[]): void;
  /** Sends what is buffered and stops the client. */
  shutdown(): Promise<void>;
}

/**
 * Deterministic per session: every worker makes the same choice for the same
 * session id, and a rate of 0.25 traces a quarter of the sessions.
 */
export function isSampled(sessionId: string, sampleRate: number | undefined): boolean {
  const rate = sampleRate ?? 1;
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  const bucket = createHash('sha256').update(sessionId).digest().readUInt32BE(0) / 0x100000000;
  return bucket < rate;
}

function pick(source: Record<string, unknown> | undefined, fields: readonly string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  if (!source) return picked;
  for (const field of fields) if (field in source) picked[field] = source[field];
  return picked;
}

/** A tracer for the session, or null (no client at all) when tracing is off, unsampled or unconfigured. */
export async function createSessionTracer(
  config: TracingConfig | undefined,
  identity: TraceIdentity,
  env: NodeJS.ProcessEnv,
  log: WorkerLog,
): Promise<SessionTracer | null> {
  if (!config?.enabled || !isSampled(identity.sessionId, config.sample_rate)) return null;
  const publicKey = env.LANGFUSE_PUBLIC_KEY;
  const secretKey = env.LANGFUSE_SECRET_KEY;
  if (!publicKey || !secretKey) {
    log.warn('tracing is enabled but LANGFUSE_PUBLIC_KEY / LANGFUSE_SECRET_KEY are not set; not tracing', { agent_id: identity.agentId });
    return null;
  }
  const { Langfuse } = await import('langfuse');
  const client = new Langfuse({
    publicKey,
    secretKey,
    baseUrl: config.endpoints?.host ?? env.LANGFUSE_HOST ?? env.LANGFUSE_BASEURL,
  });
  const metadataFields = config.metadata_fields ?? [];
  const trace = client.trace({
    name: identity.agentId,
    sessionId: identity.sessionId,
    userId: identity.userId,
    tags: [`tenant:${identity.tenantId}`],
    metadata: { tenant_id: identity.tenantId, agent_id: identity.agentId, revision: identity.revision, ...pick(identity.userDetails, metadataFields) },
  });
  return {
    recordLlmTurn(turn) {
      trace.generation({
        name: 'llm',
        model: turn.model,
        input: turn.input,
        output: turn.output,
        startTime: turn.startTime,
        endTime: turn.endTime,
        metadata: pick(turn.structured, metadataFields),
      });
    },
    recordTts(record) {
      trace.span({
        name: 'tts',
        input: record.text,
        startTime: record.startTime,
        endTime: record.endTime,
        metadata: record.instructions === undefined ? {} : { instructions: record.instructions },
      });
    },
    recordInvalidReply(errors) {
      trace.event({ name: 'structured_response_invalid', level: 'WARNING', statusMessage: errors.join('; '), metadata: { errors: [...errors] } });
    },
    async shutdown() {
      await client.shutdownAsync();
    },
  };
}
