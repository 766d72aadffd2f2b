/**
 * What the worker sends to the room, as JSON on LiveKit data topics. These
 * shapes are the frontend's contract (documented in the README).
 */

/** Each turn's structured object (hidden fields removed), or why there is none. */
export const STRUCTURED_RESPONSE_TOPIC = 'llm-structured-response';
/** The agent's config changed while the room was live. */
export const CONFIG_UPDATE_TOPIC = 'config-update';

/** The part of a LiveKit local participant the worker publishes through. */
export interface RoomPublisher {
  publishData(data: Uint8Array, options: { reliable?: boolean; topic?: string }): Promise<void>;
}

export interface StructuredResponseMessage {
  type: 'structured_response';
  agent_id: string;
  session_id: string;
  revision: number;
  data: Record<string, unknown>;
}

/** The model's object failed the full schema; its spoken text still played. */
export interface InvalidResponseMessage {
  type: 'structured_response_invalid';
  agent_id: string;
  session_id: string;
  revision: number;
  errors: string[];
}

export type RefusalReason =
  | 'missing_agent_id'
  | 'agent_not_found'
  | 'agent_disabled'
  | 'quota_exceeded'
  | 'invalid_config'
  | 'store_unavailable'
  /** The metadata is over 64 KiB or nests too deep. */
  | 'invalid_metadata'
  /** The overrides include a path the agent does not allow, and the agent has `session_overrides.strict`. */
  | 'invalid_overrides'
  /** The agent has a tenant, and the metadata names another. */
  | 'tenant_mismatch'
  /** A key the agent's providers need is not set on this worker; the message names the variable. */
  | 'missing_credentials';

/** The session could not start; the job ends after sending this. */
export interface SessionRefusedMessage {
  type: 'session_refused';
  agent_id: string | null;
  reason: RefusalReason;
  message: string;
}

export interface ConfigChangedMessage {
  type: 'config_changed';
  agent_id: string;
  revision: number;
  /** JSON pointers of the definition that differ from what the session ran with. */
  changed: string[];
  /** Which of those this session applied in place (`prompt_config`, `tracing_config`). */
  applied: string[];
  /** Changes that take effect only in a new session. */
  reconnect_required: boolean;
}

export type RoomMessage = StructuredResponseMessage | InvalidResponseMessage | SessionRefusedMessage | ConfigChangedMessage;

export async function publishJson(room: RoomPublisher, topic: string, message: RoomMessage): Promise<void> {
  await room.publishData(new TextEncoder().encode(JSON.stringify(message)), { reliable: true, topic });
}
