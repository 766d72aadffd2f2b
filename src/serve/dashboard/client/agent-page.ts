import { ApiError, call, segment } from './api.js';
import { display, h, table } from './dom.js';
import { mayWrite, type Identity } from './session.js';
import type { Change, Revision, SourceInfo, StoredConfig } from './shapes.js';

/** At most this many revisions get their diff shown; older ones are listed. */
const DIFFED_REVISIONS = 20;

function describeSource(source: SourceInfo | undefined): string {
  if (source === undefined) return '(unknown)';
  if (source.api !== undefined) return `API, token "${source.api}"${source.file ? `; git has it in ${source.file}` : ''}`;
  const commit = source.commit === undefined ? '' : ` at ${source.commit.slice(0, 12)}`;
  return `${source.file ?? '(no file)'}${commit}${source.dirty === true ? ' (uncommitted changes)' : ''}`;
}

/** An argument as the shell will read it back unchanged (agent data is untrusted: it may hold quotes or `;`). */
function shellWord(text: string): string {
  return /^[A-Za-z0-9._/-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function settings(config: StoredConfig): HTMLElement {
  const rows: [string, string][] = [
    ['Type', config.agent_type],
    ['Version', config.version],
    ['Enabled', config.enabled === false ? 'no' : 'yes'],
    ['Revision', String(config.revision)],
    ['Tenant', config.tenant_config?.tenant_id ?? '(any tenant)'],
    ['LLM', `${config.llm_config.provider} ${config.llm_config.model}`],
    ['STT', config.stt_config === undefined ? '(default)' : `${config.stt_config.provider} ${config.stt_config.model ?? ''}`.trim()],
    ['TTS', config.tts_config === undefined ? '(default)' : [config.tts_config.provider, config.tts_config.model, config.tts_config.voice].filter(Boolean).join(' ')],
    ['Tracing', config.tracing_config?.enabled === true ? `on${config.tracing_config.sample_rate === undefined ? '' : `, sample rate ${config.tracing_config.sample_rate}`}` : 'off'],
    ['Source', describeSource(config.source)],
    ['Updated', config.updated_at ?? ''],
  ];
  return h('section', { 'aria-labelledby': 'settings-title' }, h('h2', { id: 'settings-title' }, 'Settings'), table('Agent settings', ['Setting', 'Value'], rows));
}

function fields(config: StoredConfig): HTMLElement {
  const rows = config.schema_config.fields.map((field) => [
    field.field_name,
    field.field_type,
    field.required === false ? 'no' : 'yes',
    field.description ?? '',
    field.constraints === undefined ? '' : display(field.constraints),
    [field.metadata?.use_in_tts === true ? 'used in TTS' : '', field.metadata?.hidden === true ? 'hidden from the room' : ''].filter(Boolean).join(', '),
  ]);
  return h(
    'section',
    { 'aria-labelledby': 'fields-title' },
    h('h2', { id: 'fields-title' }, 'Output fields'),
    h('p', {}, `Spoken field: ${config.schema_config.response_field ?? 'system_response'}`),
    table(`Fields of ${config.schema_config.schema_id ?? 'the output schema'}`, ['Field', 'Type', 'Required', 'Description', 'Constraints', 'Notes'], rows),
  );
}

/** Renders the page again from the store; `then` runs once it is there (to put back focus and a message). */
type Refresh = (then: () => void) => void;

function tracingSwitch(config: StoredConfig, identity: Identity, refresh: Refresh): HTMLElement {
  const enabled = config.tracing_config?.enabled === true;
  const status = h('p', { id: 'tracing-status', role: 'status' }, `Tracing is ${enabled ? 'on' : 'off'}.`);
  const section = h('section', { 'aria-labelledby': 'tracing-title' }, h('h2', { id: 'tracing-title' }, 'Tracing'));
  if (!mayWrite(identity)) {
    section.append(status, h('p', {}, 'Switching it needs a developer or admin token.'));
    return section;
  }
  const toggle = h('input', { type: 'checkbox', role: 'switch', id: 'tracing-switch', 'aria-describedby': 'tracing-status tracing-note' });
  toggle.checked = enabled;
  toggle.addEventListener('change', () => {
    const wanted = toggle.checked;
    toggle.disabled = true;
    status.textContent = `Switching tracing ${wanted ? 'on' : 'off'}…`;
    call<{ revision: number }>('POST', `/api/v1/agents/config/${segment(config.agent_id)}/tracing/toggle?enabled=${wanted}`)
      .then((result) =>
        // The new revision shows in the settings and the history; the user stays on the switch.
        refresh(() => {
          const again = document.getElementById('tracing-switch');
          const message = document.getElementById('tracing-status');
          if (message !== null) message.textContent = `Tracing is ${wanted ? 'on' : 'off'} (stored as revision ${result.revision}).`;
          again?.focus();
        }),
      )
      .catch((error: unknown) => {
        toggle.checked = !wanted;
        toggle.disabled = false;
        toggle.focus();
        status.textContent = `Tracing is still ${wanted ? 'off' : 'on'}: ${error instanceof Error ? error.message : String(error)}`;
      });
  });
  section.append(
    h('p', {}, toggle, ' ', h('label', { for: 'tracing-switch' }, 'Tracing enabled')),
    status,
    h('p', { id: 'tracing-note', class: 'help' }, 'Writes a new revision in the store at once; git differs until the change is exported (below).'),
  );
  return section;
}

/** The strict schema, or why the fields cannot be strict (the API says so with a 422). */
async function strictSchema(id: string): Promise<string> {
  try {
    return JSON.stringify((await call<{ schema: unknown }>('GET', `/api/v1/agents/config/${id}/schema?strict=true`)).schema, null, 2);
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) return `No strict schema: ${error.message}`;
    throw error;
  }
}

async function compiledSchema(config: StoredConfig): Promise<HTMLElement> {
  const id = segment(config.agent_id);
  const [full, strict] = await Promise.all([
    call<{ schema: unknown }>('GET', `/api/v1/agents/config/${id}/schema`).then((answer) => JSON.stringify(answer.schema, null, 2)),
    strictSchema(id),
  ]);
  const output = h('pre', { id: 'schema-json', tabindex: '0', 'aria-label': 'Compiled schema' }, full);
  const choice = (value: 'full' | 'strict', label: string): HTMLElement => {
    const radio = h('input', { type: 'radio', name: 'schema-kind', id: `schema-${value}`, value, checked: value === 'full' });
    radio.addEventListener('change', () => {
      output.textContent = value === 'full' ? full : strict;
    });
    return h('span', {}, radio, ' ', h('label', { for: `schema-${value}` }, label), ' ');
  };
  return h(
    'section',
    { 'aria-labelledby': 'schema-title' },
    h('h2', { id: 'schema-title' }, 'Compiled output schema'),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Which schema'),
      choice('full', 'Full (checks every reply)'),
      choice('strict', 'Strict (sent to the LLM as response_format)'),
    ),
    output,
  );
}

/** One changed path as `agentctl diff` prints it: `/llm_config/temperature: 0.6 → 0.4`. */
function changeLine(change: Change): HTMLElement {
  const path = change.path || '/';
  const text =
    change.before === undefined ? `${path}: added ${display(change.after)}` : change.after === undefined ? `${path}: removed (was ${display(change.before)})` : `${path}: ${display(change.before)} → ${display(change.after)}`;
  return h('li', {}, h('code', {}, text));
}

async function history(config: StoredConfig): Promise<HTMLElement> {
  const id = segment(config.agent_id);
  const { revisions: entries } = await call<{ revisions: Revision[] }>('GET', `/api/v1/agents/config/${id}/history`);
  const newestFirst = [...entries].sort((a, b) => b.revision - a.revision);
  const diffs = await Promise.all(
    newestFirst.slice(0, DIFFED_REVISIONS).map(async (entry) => {
      if (entry.revision <= 1) return { entry, changes: null };
      const { changes } = await call<{ changes: Change[] }>('GET', `/api/v1/agents/config/${id}/diff?from=${entry.revision - 1}&to=${entry.revision}`);
      return { entry, changes };
    }),
  );
  const rows = newestFirst.map((entry) => [String(entry.revision), entry.action, entry.created_at, describeSource(entry.source ?? undefined), entry.note ?? '']);
  return h(
    'section',
    { 'aria-labelledby': 'history-title' },
    h('h2', { id: 'history-title' }, 'History'),
    table('Revisions, newest first', ['Revision', 'Action', 'When', 'Source', 'Note'], rows),
    ...diffs.map(({ entry, changes }) =>
      h(
        'details',
        { class: 'revision-diff' },
        h('summary', {}, entry.revision <= 1 ? `Revision ${entry.revision}: created` : `Revision ${entry.revision}: what changed since revision ${entry.revision - 1}`),
        changes === null ? h('p', {}, 'The first revision: everything is new.') : changes.length === 0 ? h('p', {}, 'No change in the definition.') : h('ul', {}, ...changes.map(changeLine)),
      ),
    ),
  );
}

function backToGit(config: StoredConfig): HTMLElement {
  const id = shellWord(config.agent_id);
  const file = config.source?.file;
  const step = (text: string, command: string): HTMLElement => h('li', {}, text, h('pre', {}, h('code', {}, command)));
  return h(
    'section',
    { 'aria-labelledby': 'git-title' },
    h('h2', { id: 'git-title' }, 'Bring a change back into git'),
    h('p', {}, 'A change made here or through the API is drift until git has it. In a checkout of the agents repository:'),
    h(
      'ol',
      {},
      step('See what the store has that git does not:', `agentctl diff`),
      step('Write the stored version into the YAML file, keeping its comments:', `agentctl export ${id}`),
      step('Commit it and open a pull request:', file === undefined || file === '' ? `git add agents && git commit` : `git add ${shellWord(file)} && git commit`),
      step('Or, to undo the change instead, put git’s version back:', `agentctl apply --force`),
    ),
  );
}

export async function agentPage(agentId: string, identity: Identity, refresh: Refresh): Promise<Node[]> {
  const config = await call<StoredConfig>('GET', `/api/v1/agents/config/${segment(agentId)}`);
  const [schema, revisions] = await Promise.all([compiledSchema(config), history(config)]);
  return [
    h('p', {}, h('a', { href: '#/agents' }, '← All agents')),
    h('h1', {}, config.agent_id),
    settings(config),
    tracingSwitch(config, identity, refresh),
    fields(config),
    schema,
    revisions,
    backToGit(config),
  ];
}
