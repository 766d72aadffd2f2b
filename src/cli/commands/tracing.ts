import { Option, type Command } from 'commander';
import type { AgentDefinition } from '../../definition/types.js';
import { addEditOptions, addOldPathOption, definitionPaths, runEdits, splitAgentIdsAndPaths, type EditCommandOptions } from '../edit-runner.js';
import { addStoreOptions, STORE_RESOLUTION, withStore } from '../store-options.js';
import { UserError } from '../../errors/user-error.js';
import { formatTable } from '../formatters/table.js';
import { createColors } from '../output.js';
import { addOutputOption, DATA_FORMATS, renderData, type DataFormat, type OutputFlags } from '../output-format.js';

const HELP_EXAMPLES = `
Examples:
  $ agentctl tracing status                          # each agent's tracing_config in the YAML and in the store
  $ agentctl tracing status sales-agent-v1 -o json
  $ agentctl tracing status teams/sales/          # the agents defined there (a word with / or . is a path)
  $ agentctl tracing status --store mongodb://db:27017  # against another store
  $ agentctl tracing on sales-agent-v1 --sample-rate 0.25
  $ agentctl tracing off pte-interview-agent-v1 --apply  # edit the YAML, then sync that agent
  $ agentctl tracing off pte-interview-agent-v1 --live   # emergency: also switch it in the store now

--live writes a new revision in the store straight away (no PR needed); the
store then differs from git until the YAML change is merged.`;

interface TracingOptions extends EditCommandOptions {
  sampleRate?: string;
  live?: boolean;
}

interface TracingState {
  enabled: boolean;
  sampleRate: number | undefined;
}

function tracingOf(definition: unknown): TracingState {
  const tracing = (definition as { tracing_config?: { enabled?: unknown; sample_rate?: unknown } } | null)?.tracing_config;
  return {
    enabled: tracing?.enabled === true,
    sampleRate: typeof tracing?.sample_rate === 'number' ? tracing.sample_rate : undefined,
  };
}

function parseSampleRate(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new UserError(`--sample-rate expects a number from 0 to 1, got "${text}"`);
  }
  return value;
}

async function switchTracing(words: string[], enabled: boolean, options: TracingOptions): Promise<void> {
  if (options.live && options.dryRun) throw new UserError('--live writes to the store; it cannot be combined with --dry-run');
  const { agentIds, paths } = splitAgentIdsAndPaths(words);
  if (agentIds.length === 0) throw new UserError(`name the agents to switch (the arguments ${words.join(' ')} are paths: a word with / or . in it)`);
  const sampleRate = parseSampleRate(options.sampleRate);
  const edit = { kind: 'set-tracing' as const, enabled, ...(sampleRate === undefined ? {} : { sampleRate }) };
  const label = `tracing ${enabled ? 'on' : 'off'}${sampleRate === undefined ? '' : `, sample_rate ${sampleRate}`}`;
  await runEdits(
    agentIds.map((agentId) => ({ agentId, edit })),
    definitionPaths(paths, options),
    options,
    () => label,
    options.live
      ? async (plan) => {
          const fileOf = new Map(agentIds.map((agentId) => [agentId, plan.agents.get(agentId)?.file ?? '']));
          return { live: await switchInStore(agentIds, edit, fileOf, options) };
        }
      : undefined,
  );
}

/** --live: the stored definitions get the same tracing switch, as a new revision, without a sync of the rest of the YAML. */
async function switchInStore(
  agentIds: string[],
  edit: { kind: 'set-tracing'; enabled: boolean; sampleRate?: number },
  fileOf: Map<string, string>,
  options: TracingOptions,
): Promise<Array<{ agent_id: string; revision: number }>> {
  const [{ applyAgentEdit }, { writeLiveEdits, AgentsNotStoredError }] = await Promise.all([import('../../edit/agent-edits.js'), import('../../sync/live-edit.js')]);
  const colors = createColors(process.stdout);
  const json = options.output === 'json';
  return withStore(options, async (store) => {
    const edits = agentIds.map((agentId) => ({
      agentId,
      change: (stored: AgentDefinition) => applyAgentEdit(stored, edit) as unknown as AgentDefinition,
      source: { file: fileOf.get(agentId) ?? '' },
    }));
    let changes: Awaited<ReturnType<typeof writeLiveEdits>>;
    try {
      changes = await writeLiveEdits(store, edits, { note: `tracing ${edit.enabled ? 'on' : 'off'} --live` });
    } catch (error) {
      // Say what to do about it: the YAML already holds the edit.
      if (error instanceof AgentsNotStoredError) throw new UserError(`${error.message} (the YAML was edited; run agentctl apply to create them)`, { cause: error });
      throw error;
    }
    const conflicts = changes.filter((change) => change.action === 'conflict');
    const written = changes.filter((item) => item.action !== 'conflict');
    for (const change of json ? [] : written) {
      process.stdout.write(`${colors.green('✔')} live: ${colors.bold(change.agent_id)} tracing ${edit.enabled ? 'on' : 'off'} in ${store.displayName} (revision ${change.revision})\n`);
    }
    if (conflicts.length > 0) {
      throw new UserError(`the store changed meanwhile for ${conflicts.map((change) => change.agent_id).join(', ')}; nothing overwritten there, run the command again`);
    }
    if (!json) {
      process.stdout.write(
        colors.yellow(`⚠ the store now differs from git until this change is merged: commit ${[...new Set(fileOf.values())].join(', ')} and open a PR (agentctl diff shows the difference)\n`),
      );
    }
    return written.map((change) => ({ agent_id: change.agent_id, revision: change.revision }));
  });
}

async function tracingStatus(words: string[], options: OutputFlags<DataFormat> & { path?: string[]; store?: string; database?: string }): Promise<void> {
  const { agentIds, paths } = splitAgentIdsAndPaths(words);
  const { loadDefinitions } = await import('../../files/load.js');
  const loaded = await loadDefinitions(definitionPaths(paths, options), { cwd: process.cwd() });
  const documents = loaded.documents.filter((document) => document.agentId !== null && (agentIds.length === 0 || agentIds.includes(document.agentId)));
  const found = new Set(documents.map((document) => document.agentId));
  const missing = agentIds.filter((agentId) => !found.has(agentId));
  if (missing.length > 0) {
    const { AgentNotFoundError } = await import('../../edit/plan-edits.js');
    const known = loaded.documents.flatMap((document) => (document.agentId === null ? [] : [document.agentId]));
    throw new AgentNotFoundError(missing[0] as string, known);
  }

  // The store every command reads: --store, else $AGENTCTL_STORE, else $MONGO_URI, else the embedded one.
  const fromStore = await withStore(
    options,
    async (store) => ({
      displayName: store.displayName,
      agents: new Map((await store.getAgents(documents.map((document) => document.agentId as string))).map((agent) => [agent.definition.agent_id, agent])),
    }),
    { readOnly: true },
  );
  const stored = fromStore.agents;

  const rows = documents.map((document) => {
    const agentId = document.agentId as string;
    const yaml = tracingOf(document.value);
    const inStore = stored.get(agentId);
    const live = inStore === undefined ? undefined : tracingOf(inStore.definition);
    const differs = live !== undefined && (live.enabled !== yaml.enabled || live.sampleRate !== yaml.sampleRate);
    return { agentId, file: `${document.file}:${document.keyPositionOf('/tracing_config').line}`, yaml, live, differs, revision: inStore?.meta.revision };
  });

  if (options.output !== 'pretty') {
    const report = rows.map((row) => ({
      agent_id: row.agentId,
      file: row.file,
      enabled: row.yaml.enabled,
      sample_rate: row.yaml.sampleRate ?? null,
      store: row.live === undefined ? null : { enabled: row.live.enabled, sample_rate: row.live.sampleRate ?? null, revision: row.revision },
      differs: row.differs,
    }));
    process.stdout.write(await renderData(report, options.output));
    return;
  }

  const onOff = (state: TracingState): string => (state.enabled ? 'on' : 'off');
  const rate = (state: TracingState): string => (state.sampleRate === undefined ? '-' : String(state.sampleRate));
  const colors = createColors(process.stdout);
  const differs = '≠ store differs from the YAML';
  const table = formatTable(
    ['AGENT', 'TRACING', 'SAMPLE_RATE', 'STORE', 'STORE_SAMPLE_RATE', 'FILE', 'DIFFERS'],
    rows.map((row) => [
      row.agentId,
      onOff(row.yaml),
      rate(row.yaml),
      row.live === undefined ? 'not stored' : onOff(row.live),
      row.live === undefined ? '-' : rate(row.live),
      row.file,
      row.differs ? differs : '',
    ]),
  );
  // formatTable escapes control characters in cells, so the color goes on the last column afterwards.
  const lines = table
    .trimEnd()
    .split('\n')
    .map((line, index) => (index > 0 && rows[index - 1]?.differs === true ? `${line.slice(0, -differs.length)}${colors.yellow(differs)}` : line));
  process.stdout.write(`store: ${fromStore.displayName}\n\n${lines.join('\n')}\n`);
}

export function register(program: Command): void {
  const tracing = program
    .command('tracing')
    .summary('switch Langfuse tracing per agent, or show where it is on')
    .description('Switch tracing_config.enabled (and sample_rate) in the agents\' YAML, or show the tracing state of each agent.')
    .addHelpText('after', HELP_EXAMPLES);

  for (const enabled of [true, false]) {
    const command = tracing
      .command(enabled ? 'on' : 'off')
      .description(`set tracing_config.enabled: ${enabled} (the section is created when missing)`)
      .argument('<agent_ids...>', 'the agents, and the files or directories that define them (default: agents/; a word with / or . is a path)')
      .option('--sample-rate <rate>', 'also set tracing_config.sample_rate (0 to 1)');
    addOldPathOption(command);
    addEditOptions(command)
      .addOption(new Option('--live', 'also switch it in the store now, as a new revision (emergency switch; no PR needed)').conflicts(['apply', 'dryRun']))
      .addHelpText('after', `\nExample:\n  $ agentctl tracing ${enabled ? 'on' : 'off'} my-agent${enabled ? ' --sample-rate 0.1 --apply' : ' --live'}`)
      .action((agentIds: string[], options: TracingOptions) => switchTracing(agentIds, enabled, options));
  }

  const status = tracing
    .command('status')
    .description('tracing per agent: the YAML\'s value, the store\'s, and where they differ')
    .argument('[agent_ids...]', 'the agents (default: all), and the files or directories that define them (default: agents/; a word with / or . is a path)');
  addOldPathOption(status);
  addOutputOption(status, { formats: DATA_FORMATS, json: 'an array of {agent_id, file, enabled, sample_rate, store: {enabled, sample_rate, revision} | null, differs}' });
  addStoreOptions(status)
    .addHelpText(
      'after',
      `
Examples:
  $ agentctl tracing status                                   # every agent, YAML against the store
  $ agentctl tracing status sales-agent-v1 pte-interview-agent-v1
  $ agentctl tracing status -o json | jq -r '.[] | select(.differs) | .agent_id'
  $ agentctl tracing status teams/sales/ -o yaml              # the agents defined under teams/sales/
  $ agentctl tracing status --store mongodb://db.internal:27017

${STORE_RESOLUTION}`,
    )
    .action(tracingStatus);
}
