/**
 * The project file's code that one agent's YAML names (`agentctl.config.ts`,
 * see src/project/config.ts): its agent type, tools, validators and pipeline
 * nodes, looked up once per session, and how validators and nodes run. No
 * LiveKit package is loaded here: the voice agent and the text conversation
 * both call these, so a validator or a node behaves the same in a room and in
 * `agentctl chat`.
 */
import type { AgentDefinition } from '../definition/types.js';
import type { AgentctlConfig, AgentTool, AgentTypeClass, NodeStage, PipelineNode, ReplyValidator, SessionContext } from '../project/config.js';
import type { WorkerLog } from './log.js';

/** What one session runs of the project file, in the order the YAML lists it. */
export interface SessionExtensions {
  /** The class for `agent_type`, or undefined for the plain configured agent. */
  agentType: AgentTypeClass | undefined;
  /** `llm_config.tools`, by the name the model calls them. */
  tools: Record<string, AgentTool>;
  validators: Array<{ name: string; validate: ReplyValidator }>;
  nodes: Array<{ name: string; node: PipelineNode }>;
}

export type ExtensionsLookup = { ok: true; extensions: SessionExtensions } | { ok: false; missing: string[] };

const NO_EXTENSIONS: SessionExtensions = { agentType: undefined, tools: {}, validators: [], nodes: [] };

/** Own properties only: a YAML name such as `constructor` or `__proto__` never reaches inherited members. */
function own<T>(table: Record<string, T> | undefined, name: string): T | undefined {
  return table !== undefined && Object.hasOwn(table, name) ? table[name] : undefined;
}

/**
 * The extensions `definition` names, or every name the project file lacks
 * (`tool "x"`, `validator "y"`, `node "z"`). A config change can name code the
 * running worker does not have; such a session must not start.
 */
export function lookUpExtensions(definition: AgentDefinition, project: AgentctlConfig | undefined): ExtensionsLookup {
  const toolNames = definition.llm_config.tools ?? [];
  const validatorNames = definition.schema_config.custom_validators ?? [];
  const nodeNames = definition.pipeline_config?.custom_nodes ?? [];
  if (project === undefined && toolNames.length + validatorNames.length + nodeNames.length === 0) return { ok: true, extensions: NO_EXTENSIONS };
  const missing: string[] = [];
  const tools: Record<string, AgentTool> = {};
  for (const name of toolNames) {
    const tool = own(project?.tools, name);
    if (tool === undefined) missing.push(`tool "${name}"`);
    else tools[name] = tool;
  }
  const validators: SessionExtensions['validators'] = [];
  for (const name of validatorNames) {
    const validate = own(project?.validators, name);
    if (validate === undefined) missing.push(`validator "${name}"`);
    else validators.push({ name, validate });
  }
  const nodes: SessionExtensions['nodes'] = [];
  for (const name of nodeNames) {
    const node = own(project?.nodes, name);
    if (node === undefined) missing.push(`node "${name}"`);
    else nodes.push({ name, node });
  }
  if (missing.length > 0) return { ok: false, missing };
  return { ok: true, extensions: { agentType: own(project?.agentTypes, definition.agent_type), tools, validators, nodes } };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs every validator on a reply that passed its schema; returns each
 * failure as `<name>: <message>` (a returned message or a throw). All run,
 * so the room learns every reason at once.
 */
export async function runValidators(
  validators: SessionExtensions['validators'],
  reply: Readonly<Record<string, unknown>>,
  context: SessionContext,
): Promise<string[]> {
  const failures: string[] = [];
  for (const { name, validate } of validators) {
    try {
      const message = await validate(reply, context);
      if (typeof message === 'string' && message !== '') failures.push(`${name}: ${message}`);
    } catch (error) {
      failures.push(`${name}: ${messageOf(error)}`);
    }
  }
  return failures;
}

/**
 * The text after every node of `stage`, in the YAML's order. A node that
 * throws (or returns something other than a string) is logged and skipped:
 * the text goes on as it was, so a broken hook never silences the agent.
 */
export async function runNodes(
  nodes: SessionExtensions['nodes'],
  stage: NodeStage,
  text: string,
  context: SessionContext,
  log: WorkerLog,
): Promise<string> {
  let current = text;
  for (const { name, node } of nodes) {
    if (node.stage !== stage) continue;
    try {
      const next = await node.transform(current, context);
      if (typeof next === 'string') current = next;
      else log.error(`node ${name} returned ${typeof next}, not a string; passing the text on unchanged`, { agent_id: context.agentId, stage });
    } catch (error) {
      log.error(`node ${name} failed; passing the text on unchanged: ${messageOf(error)}`, { agent_id: context.agentId, stage });
    }
  }
  return current;
}

export function hasNodes(nodes: SessionExtensions['nodes'], stage: NodeStage): boolean {
  return nodes.some(({ node }) => node.stage === stage);
}

/** A sentence ends at `.`, `!` or `?` followed by white space, or at a line break. */
function isSentenceEnd(text: string, index: number): boolean {
  const char = text[index];
  if (char === '\n') return true;
  return (char === '.' || char === '!' || char === '?') && /\s/.test(text[index + 1] ?? '');
}

/**
 * Cuts streamed text into whole sentences for the `tts_text` nodes, so that
 * what a node looks for (a card number, a word to replace) never straddles two
 * pieces of the stream. The TTS speaks sentence by sentence anyway, so speech
 * starts no later. Each character is looked at once.
 */
class SentenceChunker {
  private held = '';
  private scanned = 0;

  /** The text up to the last sentence end seen so far ('' when none yet). */
  push(piece: string): string {
    this.held += piece;
    let end = -1;
    // The last held character may end a sentence only once the next one is known.
    for (let index = this.scanned; index < this.held.length - 1; index++) if (isSentenceEnd(this.held, index)) end = index;
    if (this.held.endsWith('\n')) end = this.held.length - 1;
    this.scanned = Math.max(this.scanned, this.held.length - 1);
    if (end < 0) return '';
    const ready = this.held.slice(0, end + 1);
    this.held = this.held.slice(end + 1);
    this.scanned = Math.max(0, this.scanned - (end + 1));
    return ready;
  }

  /** What is left at the end of the stream. */
  flush(): string {
    const rest = this.held;
    this.held = '';
    this.scanned = 0;
    return rest;
  }
}

/**
 * The stream after the `tts_text` nodes, sentence by sentence; unchanged,
 * piece by piece, when the session has none.
 */
export async function* speakThroughNodes(
  pieces: AsyncIterable<string> | Iterable<string>,
  nodes: SessionExtensions['nodes'],
  context: SessionContext,
  log: WorkerLog,
): AsyncGenerator<string> {
  if (!hasNodes(nodes, 'tts_text')) {
    yield* pieces;
    return;
  }
  const chunker = new SentenceChunker();
  for await (const piece of pieces) {
    const sentences = chunker.push(piece);
    if (sentences !== '') yield await runNodes(nodes, 'tts_text', sentences, context, log);
  }
  const rest = chunker.flush();
  if (rest !== '') yield await runNodes(nodes, 'tts_text', rest, context, log);
}
