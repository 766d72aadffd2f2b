import type { DefinitionDocument } from '../definition/document.js';
import { parseDefinitionSource } from '../definition/yaml/parse.js';
import type { Problem } from '../definition/problem.js';
import { ProblemsError } from '../definition/problems-error.js';
import { closestMatch } from '../definition/suggest.js';
import type { JsonValue } from '../definition/types.js';
import { jsonEqual } from '../json/diff.js';
import { validateDefinitions } from '../definition/validate.js';
import { UserError } from '../errors/user-error.js';
import { applyAgentEdit, type AgentEdit } from './agent-edits.js';
import { spliceDocument, UneditableYamlError } from './splice.js';
import { applyTextEdits, type TextEdit } from './text-edits.js';

export interface AgentEditRequest {
  agentId: string;
  edit: AgentEdit;
}

/** One file's text before and after the edits. */
export interface FileEdit {
  /** As the loader names it (relative to the working directory when inside it). */
  file: string;
  before: string;
  after: string;
  agentIds: string[];
}

export interface EditPlan {
  /** Files whose text changes; empty when every edit was already in place. */
  files: FileEdit[];
  /** Every requested agent after the edits: its file and its definition. */
  agents: Map<string, { file: string; definition: JsonValue }>;
  /** Agents whose definition the edits left as it was. */
  unchanged: string[];
  /** Warnings the edits introduce (they do not stop an edit). */
  warnings: Problem[];
}

export class AgentNotFoundError extends UserError {
  constructor(
    readonly agentId: string,
    knownIds: readonly string[],
  ) {
    const hint = closestMatch(agentId, knownIds);
    const known = knownIds.length === 0 ? ' (no agents found)' : hint ? `; did you mean "${hint}"?` : ` (known: ${listSome(knownIds)})`;
    super(`unknown agent "${agentId}"${known}`);
    this.name = 'AgentNotFoundError';
  }
}

export class AmbiguousAgentError extends UserError {
  constructor(agentId: string, places: readonly string[]) {
    super(`agent "${agentId}" is defined more than once (${places.join(', ')}); make the ids unique first`);
    this.name = 'AmbiguousAgentError';
  }
}

/** The edit would leave the definitions invalid; nothing was written. */
export class EditRefusedError extends ProblemsError {
  constructor(
    message: string,
    /** The problems the edit would introduce, positioned in the edited text. */
    problems: readonly Problem[],
    /** File texts after the edit, for code frames. */
    sources: ReadonlyMap<string, string>,
  ) {
    super(message, problems, sources);
    this.name = 'EditRefusedError';
  }
}

function listSome(items: readonly string[]): string {
  const shown = [...items].sort().slice(0, 8);
  return items.length > shown.length ? `${shown.join(', ')}, ...` : shown.join(', ');
}

/** The one document that defines `agentId`; ambiguity and absence are errors. */
export function findAgentDocument(documents: readonly DefinitionDocument[], agentId: string): DefinitionDocument {
  const matches = documents.filter((document) => document.agentId === agentId);
  const [first, second] = matches;
  if (first === undefined) {
    const known = [...new Set(documents.flatMap((document) => (document.agentId === null ? [] : [document.agentId])))];
    throw new AgentNotFoundError(agentId, known);
  }
  if (second !== undefined) {
    throw new AmbiguousAgentError(
      agentId,
      matches.map((document) => `${document.file}:${document.positionOf('/agent_id').line}`),
    );
  }
  return first;
}

/** Errors as a multiset keyed without positions, which move when lines are added or removed. */
function problemKey(problem: Problem): string {
  return `${problem.agent_id ?? ''}\u0000${problem.code}\u0000${problem.message.replace(/\d+/g, '#')}`;
}

function introducedProblems(before: readonly Problem[], after: readonly Problem[]): Problem[] {
  const remaining = new Map<string, number>();
  for (const problem of before) remaining.set(problemKey(problem), (remaining.get(problemKey(problem)) ?? 0) + 1);
  return after.filter((problem) => {
    const key = problemKey(problem);
    const count = remaining.get(key) ?? 0;
    if (count === 0) return true;
    remaining.set(key, count - 1);
    return false;
  });
}

/**
 * Works out the new text of every file the edits touch, without writing:
 * each document is spliced (comments and formatting kept), the result is
 * re-parsed and checked to hold exactly the intended data, and validated as
 * `validate` would: the parse's own problems (key rules, nesting) and the
 * schema and semantic rules. An edited file must come out with no error at
 * all, so that nothing an edit writes fails `validate`; in files it does not
 * touch, only errors the edit introduces (across documents) count. Refused
 * edits throw with the problems, positioned in the edited text; the caller
 * writes only what this returns.
 */
export function planAgentEdits(documents: readonly DefinitionDocument[], requests: readonly AgentEditRequest[]): EditPlan {
  const targets = new Map<DefinitionDocument, { value: JsonValue; agentId: string }>();
  for (const request of requests) {
    const document = findAgentDocument(documents, request.agentId);
    const current = targets.get(document)?.value ?? (document.value as JsonValue);
    targets.set(document, { value: applyAgentEdit(current, request.edit), agentId: request.agentId });
  }

  const agents = new Map<string, { file: string; definition: JsonValue }>();
  const unchanged: string[] = [];
  const byFile = new Map<string, Array<{ document: DefinitionDocument; value: JsonValue; agentId: string }>>();
  for (const [document, { value, agentId }] of targets) {
    agents.set(agentId, { file: document.file, definition: value });
    if (jsonEqual(document.value, value)) {
      unchanged.push(agentId);
      continue;
    }
    const entries = byFile.get(document.file) ?? [];
    entries.push({ document, value, agentId });
    byFile.set(document.file, entries);
  }

  const files: FileEdit[] = [];
  const editedDocuments = new Map<string, DefinitionDocument[]>();
  const parseErrors: Problem[] = [];
  for (const [file, entries] of byFile) {
    const source = (entries[0] as { document: DefinitionDocument }).document.source;
    const textEdits: TextEdit[] = entries.flatMap(({ document, value }) => spliceDocument(document.yaml, source, value));
    const after = applyTextEdits(source, textEdits);
    const reparsed = parseDefinitionSource(after, file);
    files.push({ file, before: source, after, agentIds: entries.map(({ agentId }) => agentId) });
    failOnBrokenSyntax(file, reparsed.problems);
    // A value the loader refuses (a "$" or "__proto__" key, nesting too deep) is the user's to fix, not a splice failure; such a document may not hold the value at all, so the splice cannot be compared.
    const fileParseErrors = reparsed.problems.filter((problem) => problem.severity === 'error');
    if (fileParseErrors.length > 0) {
      parseErrors.push(...fileParseErrors);
      continue;
    }
    verifySplice(file, documents, reparsed.documents, new Map(entries.map(({ document, value }) => [document.index, value])));
    editedDocuments.set(file, reparsed.documents);
  }

  const sources = new Map(files.map(({ file, after }) => [file, after]));
  if (parseErrors.length > 0) throw refusal(parseErrors, sources);
  const afterDocuments = documents.filter((document) => !editedDocuments.has(document.file)).concat([...editedDocuments.values()].flat());
  const afterProblems = validateDefinitions(afterDocuments);
  const introduced = introducedProblems(validateDefinitions(documents), afterProblems);
  const errors = afterProblems.filter((problem) => problem.severity === 'error' && (editedDocuments.has(problem.file) || introduced.includes(problem)));
  if (errors.length > 0) throw refusal(errors, sources);
  return { files, agents, unchanged, warnings: introduced };
}

function refusal(errors: readonly Problem[], sources: Map<string, string>): EditRefusedError {
  const names = [...new Set(errors.map((problem) => problem.agent_id ?? problem.file))].join(', ');
  return new EditRefusedError(`refused: the edit would make ${names} invalid (${errors.length} error${errors.length === 1 ? '' : 's'}); nothing was written`, [...errors], sources);
}

function uneditable(file: string, reason: string): UneditableYamlError {
  return new UneditableYamlError('', `${file} cannot be changed in place (${reason}); the file was left untouched`);
}

/** Spliced text that no longer parses as YAML is a splice that went wrong, never the user's value. */
function failOnBrokenSyntax(file: string, problems: readonly Problem[]): void {
  const syntax = problems.find((problem) => problem.severity === 'error' && problem.code.startsWith('yaml'));
  if (syntax !== undefined) throw uneditable(file, `the edited YAML does not parse: ${syntax.message}`);
}

/** The spliced text must hold exactly the intended data: the edited documents as planned, the others as they were. */
function verifySplice(file: string, allDocuments: readonly DefinitionDocument[], reparsed: readonly DefinitionDocument[], intended: Map<number, JsonValue>): void {
  const original = allDocuments.filter((document) => document.file === file);
  if (reparsed.length !== original.length) throw uneditable(file, 'the number of documents changed');
  original.forEach((document, position) => {
    const now = reparsed[position];
    const expected = intended.has(document.index) ? intended.get(document.index) : document.value;
    if (now === undefined || now.index !== document.index || !jsonEqual(now.value, expected)) throw uneditable(file, `document ${document.index + 1} would not hold the intended data`);
  });
}
