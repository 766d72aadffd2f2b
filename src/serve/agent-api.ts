import type { AgentDefinition } from '../definition/types.js';
import { diffDefinitions } from '../definition/keyed-lists.js';
import type { Problem } from '../definition/problem.js';
import { routingReason } from '../definition/session-overrides.js';
import { validateDefinitionValue } from '../definition/validate.js';
import { applyAgentEdit, EditNotApplicableError, type AgentEdit } from '../edit/agent-edits.js';
import type { ValueChange } from '../json/diff.js';
import { isRecord } from '../json/guards.js';
import { pointerFromSegments } from '../json/pointer.js';
import type { ConfigStore, HistoryEntry, SourceInfo, StoredAgent, TokenRole } from '../store/types.js';
import { applyPlan } from '../sync/apply.js';
import { contentHash } from '../sync/hash.js';
import { AgentsNotStoredError, writeLiveEdits } from '../sync/live-edit.js';
import { planAgainstStore } from '../sync/read.js';
import { ApiError, type ApiProblem } from './errors.js';

/**
 * What the admin API does to agents, apart from HTTP. Every write goes through
 * the store-write path `apply` uses (src/sync: planAgainstStore + applyPlan for
 * a create, writeLiveEdits for a change of a stored agent; both end in
 * writeChanges under the apply lock): the whole validate of the new
 * definition first (422 with its problems), then a write conditional on the
 * revision it was made from (409 when the store moved past it), recorded in
 * history with `source.api` naming the token, so that `agentctl diff` shows it
 * as drift until git has it.
 */

/** The metadata `GET …/config/{id}` adds beside the definition's keys (as a MongoDB document holds them). */
const META_KEYS = ['revision', 'content_hash', 'created_at', 'updated_at', 'applied_at', 'managed_by', 'source'] as const;

/** Who is writing, and what the caller last saw. */
export interface WriteContext {
  tokenName: string;
  /** Only admin tokens may change where requests go, which key is sent, the provider, or the tenant. */
  tokenRole: TokenRole;
  /** The revision the change was made from (If-Match, or the body's `revision`); default the one read when writing. */
  expectedRevision?: number;
  /** The apply lock's holder, as a concurrent `agentctl apply` will name it. */
  holder: string;
  now: () => Date;
}

export interface WriteOutcome {
  agent_id: string;
  revision: number;
  /** False when the store already held exactly that definition (nothing written). */
  written: boolean;
}

function toApiProblems(problems: readonly Problem[]): ApiProblem[] {
  return problems.map((problem) => ({
    code: problem.code,
    severity: problem.severity,
    message: problem.message,
    path: problem.path,
    line: problem.line,
    column: problem.column,
    ...(problem.suggestion === undefined ? {} : { suggestion: problem.suggestion }),
  }));
}

/** The full validate of a definition that exists only as a value; errors are a 422 listing every problem. */
function assertValid(definition: AgentDefinition, agentId: string): void {
  const problems = validateDefinitionValue(definition, `api:${agentId}`);
  const errors = problems.filter((problem) => problem.severity === 'error');
  if (errors.length > 0) {
    throw new ApiError(422, 'invalid_definition', `the change would make ${agentId} invalid (${errors.length} error${errors.length === 1 ? '' : 's'}); nothing was written`, toApiProblems(problems));
  }
}

/**
 * A developer token edits prompts, fields and switches; it must not point the
 * worker's requests (and the keys they carry) at another host, pick another
 * key variable or provider, or move the agent to another tenant: those stay
 * with admin tokens, as creating agents does.
 */
function assertNoRoutingChange(stored: AgentDefinition, next: AgentDefinition, context: WriteContext): void {
  const before = adminOnlyLeaves(stored);
  const after = adminOnlyLeaves(next);
  for (const pointer of new Set([...before.keys(), ...after.keys()])) {
    const was = before.get(pointer);
    const is = after.get(pointer);
    if (was?.value === is?.value) continue;
    const reason = (is ?? was)?.reason ?? '';
    throw new ApiError(403, 'forbidden', `token "${context.tokenName}" has the role ${context.tokenRole}, which may not change ${pointer} (${reason}); an admin token may`);
  }
}

/** Every leaf only an admin may change, by pointer, with its value (as JSON) and why. */
function adminOnlyLeaves(definition: AgentDefinition): Map<string, { value: string; reason: string }> {
  const leaves = new Map<string, { value: string; reason: string }>();
  const visit = (value: unknown, segments: string[]): void => {
    if (isRecord(value) || Array.isArray(value)) {
      for (const [key, child] of Object.entries(value)) visit(child, [...segments, key]);
      return;
    }
    const reason = segments[0] === 'tenant_config' ? "tenant_config holds the agent's tenant and its quotas" : routingReason(segments);
    if (reason !== null) leaves.set(pointerFromSegments(segments), { value: JSON.stringify(value), reason });
  };
  visit(definition, []);
  return leaves;
}

function apiSource(tokenName: string, stored: StoredAgent | null): SourceInfo {
  // The file keeps pointing at where git has the agent, so `agentctl export` writes it back there.
  return { file: stored?.meta.source?.file ?? '', api: tokenName };
}

function notFound(agentId: string): ApiError {
  return new ApiError(404, 'agent_not_found', `no agent "${agentId}" in the store`);
}

/** POST /api/v1/agents/config: a new agent, validated and written as `apply` creates one. */
export async function createAgent(store: ConfigStore, body: unknown, context: WriteContext): Promise<WriteOutcome> {
  if (!isRecord(body)) throw new ApiError(400, 'invalid_request', 'the body must be a JSON object: the agent definition');
  const definition = body as unknown as AgentDefinition;
  const agentId = typeof definition.agent_id === 'string' ? definition.agent_id : '(no agent_id)';
  assertValid(definition, agentId);
  const desired = { definition, content_hash: contentHash(definition), source: apiSource(context.tokenName, null) };
  const plan = await planAgainstStore(store, [desired], { prune: false });
  const planned = plan.changes[0];
  if (planned === undefined || planned.action !== 'create') {
    throw new ApiError(409, 'agent_exists', `agent "${agentId}" exists (revision ${planned?.stored_revision ?? '?'}); change it with PUT /api/v1/agents/config/${agentId}`);
  }
  const result = await applyPlan(store, plan, { force: false, dryRun: false, holder: context.holder, now: context.now });
  const change = result.changes[0];
  if (change === undefined || change.action === 'conflict') throw new ApiError(409, 'agent_exists', `agent "${agentId}" was created by someone else meanwhile; nothing was written`);
  return { agent_id: agentId, revision: change.revision, written: true };
}

/**
 * Changes a stored agent through writeLiveEdits: `change` makes the new
 * definition from the stored one, which is then validated in full (422) before
 * anything is written; a store that moved past the caller's revision is 409.
 */
async function changeAgent(store: ConfigStore, agentId: string, change: (stored: AgentDefinition) => AgentDefinition, context: WriteContext, note: string): Promise<WriteOutcome> {
  const stored = await store.getAgent(agentId);
  if (stored === null) throw notFound(agentId);
  if (context.expectedRevision !== undefined && context.expectedRevision !== stored.meta.revision) {
    throw staleError(agentId, context.expectedRevision, stored.meta.revision);
  }
  const expectedRevision = context.expectedRevision ?? stored.meta.revision;
  let changes;
  try {
    changes = await writeLiveEdits(
      store,
      [
        {
          agentId,
          change: (current) => {
            const next = change(current);
            assertValid(next, agentId);
            if (context.tokenRole !== 'admin') assertNoRoutingChange(current, next, context);
            return next;
          },
          source: apiSource(context.tokenName, stored),
          expectedRevision,
        },
      ],
      { holder: context.holder, now: context.now, note },
    );
  } catch (error) {
    if (error instanceof AgentsNotStoredError) throw notFound(agentId);
    throw error;
  }
  const outcome = changes[0];
  if (outcome === undefined) throw new Error(`no outcome for ${agentId}`);
  if (outcome.action === 'conflict') throw staleError(agentId, expectedRevision, outcome.revision);
  return { agent_id: agentId, revision: outcome.revision, written: outcome.action !== 'unchanged' };
}

function staleError(agentId: string, expected: number, current: number): ApiError {
  return new ApiError(409, 'stale_revision', `agent "${agentId}" is at revision ${current}, not ${expected}: read it again and redo the change; nothing was written`);
}

/**
 * PUT /api/v1/agents/config/{agent_id}: the seed's update, `$set` of top-level
 * sections: each key of the body replaces that section (`null` removes it).
 * The metadata GET adds is ignored, except `revision`, which is the
 * precondition when If-Match does not give one.
 */
export async function updateAgent(store: ConfigStore, agentId: string, body: Record<string, unknown>, context: WriteContext): Promise<WriteOutcome> {
  const updates = Object.entries(body).filter(([key]) => !(META_KEYS as readonly string[]).includes(key));
  if (updates.length === 0) throw new ApiError(400, 'invalid_request', 'nothing to update: give at least one section of the definition');
  if (Object.hasOwn(body, 'agent_id') && body.agent_id !== agentId) {
    throw new ApiError(422, 'agent_id_mismatch', `the body names agent_id "${String(body.agent_id)}", not "${agentId}": an agent cannot be renamed; create the new one instead`);
  }
  const bodyRevision = typeof body.revision === 'number' ? body.revision : undefined;
  if (context.expectedRevision !== undefined && bodyRevision !== undefined && context.expectedRevision !== bodyRevision) {
    throw new ApiError(400, 'invalid_request', `If-Match says revision ${context.expectedRevision} but the body says ${bodyRevision}`);
  }
  const expectedRevision = context.expectedRevision ?? bodyRevision;
  const change = (stored: AgentDefinition): AgentDefinition => {
    const next: Record<string, unknown> = { ...stored };
    for (const [key, value] of updates) {
      if (value === null) delete next[key];
      else next[key] = value;
    }
    return next as unknown as AgentDefinition;
  };
  return changeAgent(store, agentId, change, { ...context, ...(expectedRevision === undefined ? {} : { expectedRevision }) }, `api update by ${context.tokenName}`);
}

/** An edit the CLI's `schema add-field`/`remove-field`/`tracing` make (applyAgentEdit), on the stored definition. */
export async function editAgent(store: ConfigStore, agentId: string, edit: AgentEdit, context: WriteContext): Promise<WriteOutcome> {
  const change = (stored: AgentDefinition): AgentDefinition => {
    if (edit.kind === 'remove-field' || edit.kind === 'update-field') {
      const fields = (stored.schema_config as { fields?: unknown } | undefined)?.fields;
      const present = Array.isArray(fields) && fields.some((field) => isRecord(field) && field.field_name === edit.fieldName);
      if (!present) throw new ApiError(404, 'field_not_found', `agent "${agentId}" has no field "${edit.fieldName}"`);
    }
    try {
      return applyAgentEdit(stored, edit) as unknown as AgentDefinition;
    } catch (error) {
      if (error instanceof EditNotApplicableError) throw new ApiError(409, 'edit_not_applicable', error.message);
      throw error;
    }
  };
  return changeAgent(store, agentId, change, context, `api ${edit.kind} by ${context.tokenName}`);
}

/** A stored agent as the seed's GET returns it: the definition's keys with the store's metadata beside them. */
export function configDocument(agent: StoredAgent): Record<string, unknown> {
  const { meta } = agent;
  return {
    ...agent.definition,
    revision: meta.revision,
    content_hash: meta.content_hash,
    created_at: meta.created_at.toISOString(),
    updated_at: meta.updated_at.toISOString(),
    ...(meta.managed_by === undefined ? {} : { managed_by: meta.managed_by }),
    ...(meta.source === undefined ? {} : { source: meta.source }),
  };
}

/** The definition at `revision`, from history, with that entry's metadata. */
export async function revisionDocument(store: ConfigStore, agentId: string, revision: number): Promise<Record<string, unknown>> {
  const entry = await historyEntry(store, agentId, revision);
  return {
    ...entry.definition,
    revision: entry.revision,
    content_hash: entry.content_hash,
    created_at: entry.created_at.toISOString(),
    updated_at: entry.created_at.toISOString(),
    ...(entry.source === undefined ? {} : { source: entry.source }),
  };
}

async function historyOf(store: ConfigStore, agentId: string): Promise<HistoryEntry[]> {
  const entries = await store.history(agentId);
  if (entries.length === 0) throw notFound(agentId);
  return entries;
}

async function historyEntry(store: ConfigStore, agentId: string, revision: number): Promise<HistoryEntry & { definition: AgentDefinition }> {
  const entries = await historyOf(store, agentId);
  const entry = entries.find((candidate) => candidate.revision === revision);
  if (entry === undefined) {
    throw new ApiError(404, 'revision_not_found', `agent "${agentId}" has no revision ${revision} (revisions: ${entries.map((item) => item.revision).join(', ')})`);
  }
  if (entry.definition === null) throw new ApiError(404, 'revision_not_found', `revision ${revision} of agent "${agentId}" is its deletion`);
  return entry as HistoryEntry & { definition: AgentDefinition };
}

export interface HistoryItem {
  revision: number;
  action: HistoryEntry['action'];
  content_hash: string;
  created_at: string;
  source: SourceInfo | null;
  note: string | null;
}

export async function agentHistory(store: ConfigStore, agentId: string): Promise<HistoryItem[]> {
  return (await historyOf(store, agentId)).map((entry) => ({
    revision: entry.revision,
    action: entry.action,
    content_hash: entry.content_hash,
    created_at: entry.created_at.toISOString(),
    source: entry.source ?? null,
    note: entry.note ?? null,
  }));
}

/** What changed from revision `from` to revision `to` (default: the latest in history), member by member. */
export async function revisionDiff(store: ConfigStore, agentId: string, from: number, to: number | undefined): Promise<{ from: number; to: number; changes: ValueChange[] }> {
  const entries = await historyOf(store, agentId);
  const target = to ?? (entries.at(-1) as HistoryEntry).revision;
  const [before, after] = await Promise.all([historyEntry(store, agentId, from), historyEntry(store, agentId, target)]);
  return { from, to: target, changes: diffDefinitions(before.definition, after.definition) };
}

/** For `If-Match`: `"3"`, `W/"3"` or `3` is revision 3; `*` (any) is none. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  let text = header.trim();
  if (text.startsWith('W/')) text = text.slice(2);
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) text = text.slice(1, -1);
  const revision = Number(text);
  if (text === '' || !Number.isSafeInteger(revision) || revision < 1) throw new ApiError(400, 'invalid_request', `If-Match must be an agent revision such as "3" (the ETag of GET), got ${JSON.stringify(header)}`);
  return revision;
}
