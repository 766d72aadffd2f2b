/**
 * Writes N agent files that vary the example agents the way real fleets do:
 * ids, versions, models, temperatures, prompt length, tracing, tenants and a few
 * extra output fields of every field type. Deterministic for a given N.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';

const MODELS = ['gpt-4o-mini', 'gpt-4.1-mini', 'gpt-5-nano', 'gpt-4o'];
const VOICES = ['alloy', 'ash', 'coral', 'sage', 'verse'];
const PROMPT_ADDITIONS = [
  'Keep every answer under three sentences.',
  'If the caller sounds confused, slow down and restate the last question.',
  'Never promise a refund; offer to escalate to a human colleague instead.',
  'Use the caller\'s first name once per turn at most. Confirm spelling of names and numbers back to the caller before moving on.',
  '',
];
const EXTRA_FIELDS = [
  { field_type: 'float', description: 'Model confidence in the turn (0-1)', constraints: { ge: 0, le: 1 }, metadata: { hidden: true } },
  { field_type: "Literal['low', 'medium', 'high']", description: 'How urgent the caller is', required: false, default: 'low' },
  { field_type: 'list[str]', description: 'Topics raised in this turn', constraints: { max_items: 5 }, required: false },
  { field_type: 'bool', description: 'Whether to hand over to a person', required: false, default: false },
  { field_type: 'int', description: 'Running score (1-10)', constraints: { ge: 1, le: 10 }, required: false },
];

function exampleSources(examplesDir: string): string[] {
  return readdirSync(examplesDir)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .map((file) => readFileSync(join(examplesDir, file), 'utf8'));
}

/** One document per example agent (multi-document files are split), so each generated file holds one agent. */
function parseExamples(sources: string[]): Document[] {
  const documents = sources.flatMap((source) => parseAllDocuments(source)).filter((document) => document.errors.length === 0 && document.contents !== null);
  if (documents.length === 0) throw new Error('no example agents to vary');
  return documents;
}

/**
 * Makes sure `outDir` holds `count` generated agents; regenerates only when the
 * count, the examples or this generator changed since the last run.
 */
export function generateAgents(examplesDir: string, outDir: string, count: number): { generated: boolean } {
  const sources = exampleSources(examplesDir);
  const stamp = createHash('sha256')
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .update(JSON.stringify([count, sources]))
    .digest('hex');
  const stampFile = join(outDir, '.stamp');
  const complete = existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp && readdirSync(outDir).length === count + 1;
  if (complete) return { generated: false };

  const examples = parseExamples(sources);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (let index = 0; index < count; index += 1) {
    const document = examples[index % examples.length]?.clone();
    if (!document) throw new Error('no example agents to vary');
    const baseId = String(document.get('agent_id')).slice(0, 50);
    document.set('agent_id', `${baseId}-${String(index).padStart(5, '0')}`);
    document.set('version', `${1 + (index % 3)}.${index % 10}.${index % 7}`);
    document.set('enabled', index % 9 !== 0);
    const model = MODELS[index % MODELS.length] ?? 'gpt-4o-mini';
    document.setIn(['llm_config', 'model'], model);
    // gpt-5 drops the temperature (validate's no-effect warning): the generated tree stays clean.
    if (model.startsWith('gpt-5')) document.deleteIn(['llm_config', 'temperature']);
    else document.setIn(['llm_config', 'temperature'], (index % 11) / 10);
    const addition = PROMPT_ADDITIONS[index % PROMPT_ADDITIONS.length];
    if (addition) document.setIn(['prompt_config', 'instructions'], `${String(document.getIn(['prompt_config', 'instructions']))}\n${addition}`);
    if (document.hasIn(['tts_config', 'voice'])) document.setIn(['tts_config', 'voice'], VOICES[index % VOICES.length]);
    if (document.has('tracing_config')) {
      document.setIn(['tracing_config', 'enabled'], index % 4 !== 0);
      document.setIn(['tracing_config', 'sample_rate'], ((index % 10) + 1) / 10);
    }
    if (document.has('tenant_config')) document.setIn(['tenant_config', 'tenant_id'], `tenant-${index % 97}`);
    for (let extra = 0; extra < index % 4; extra += 1) {
      const field = EXTRA_FIELDS[(index + extra) % EXTRA_FIELDS.length];
      document.addIn(['schema_config', 'fields'], document.createNode({ field_name: `bench_extra_${extra}`, ...field }));
    }
    writeFileSync(join(outDir, `agent-${String(index).padStart(5, '0')}.yaml`), document.toString());
  }
  writeFileSync(stampFile, stamp);
  return { generated: true };
}
