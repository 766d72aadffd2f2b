import { createHmac } from 'node:crypto';
import type { Command } from 'commander';
import type { Problem } from '../../definition/problem.js';
import { StoreError, type ConfigStore } from '../../store/types.js';
import { resolveStoreChoice } from '../../store/uri.js';
import type { DesiredAgent, PlanAction, SyncPlan } from '../../sync/plan.js';
import { stringifyJsonForTerminal } from '../../text/terminal-text.js';
import { redactUrls, redactUrlsInJson } from '../../text/url-credentials.js';
import { UserError } from '../../errors/user-error.js';
import { EXIT_FAILURE, EXIT_OK } from '../errors.js';
import { formatTable } from '../formatters/table.js';
import { plural } from '../formatters/report.js';
import { createColors } from '../output.js';
import { addProjectOptions, loadChosenProject, PROJECT_RESOLUTION, projectOptionsOf, type ProjectFlags } from '../project-options.js';
import { addStoreOptions, openChosenStore, STORE_RESOLUTION, type StoreFlags } from '../store-options.js';

const HELP_EXAMPLES = `
Examples:
  $ agentctl doctor                         # every check, a table with the fix for each ✖
  $ agentctl doctor --json | jq '.checks[] | select(.status == "fail")'
  $ agentctl doctor --store mongodb://db.internal:27017 more-agents/

Checks, in order: the store is reachable; the definitions validate; the
store holds what they define (nothing for apply to do); every environment
variable each agent's providers read is set (LLM, STT, TTS, tracing keys);
the project file (agentctl.config.ts, --config) loads; LIVEKIT_URL answers;
LIVEKIT_API_KEY/LIVEKIT_API_SECRET are accepted (by listing rooms). A check
that depends on a failed one is skipped (definitions, sync and env depend on
the project file, which the definitions' names are checked against).
Exit status: 1 when any check fails (✖), else 0 (warnings ! allowed).
${STORE_RESOLUTION}
${PROJECT_RESOLUTION}`;

/** ok ✔, fail ✖ (exit 1), warn ! (worth a look), skipped ! (an earlier check failed, so it could not run). */
type CheckStatus = 'ok' | 'warn' | 'skipped' | 'fail';

interface CheckResult {
  check: 'store' | 'config' | 'definitions' | 'sync' | 'env' | 'livekit' | 'livekit-keys';
  status: CheckStatus;
  /** Set on the env rows of one agent. */
  agent_id?: string;
  message: string;
  /** What to do about it; on every fail, and on warnings that have one. */
  fix?: string;
}

interface DoctorOptions extends StoreFlags, ProjectFlags {
  json?: boolean;
}

/** How long LIVEKIT_URL gets to answer each request. */
const LIVEKIT_TIMEOUT_MS = 3_000;
/** Agent ids named in one message before "+N more". */
const IDS_SHOWN = 3;

function someIds(ids: readonly string[]): string {
  return ids.length <= IDS_SHOWN ? ids.join(', ') : `${ids.slice(0, IDS_SHOWN).join(', ')} (+${ids.length - IDS_SHOWN} more)`;
}

async function checkStore(flags: StoreFlags): Promise<{ result: CheckResult; store?: ConfigStore }> {
  const { origin } = resolveStoreChoice(flags.store, process.env);
  const chosenBy = origin === 'default' ? 'the default' : origin === '--store' ? '--store' : `from $${origin}`;
  let store: ConfigStore;
  try {
    store = await openChosenStore(flags, { readOnly: true });
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    const where = origin === 'default' ? 'pass --store or set $AGENTCTL_STORE' : `change ${origin === '--store' ? '--store' : `$${origin}`}`;
    return { result: { check: 'store', status: 'fail', message: `${error.message} (${chosenBy})`, fix: `start the server it names, or ${where}` } };
  }
  try {
    const count = (await store.listStates()).length;
    return { result: { check: 'store', status: 'ok', message: `${store.displayName} (${chosenBy}) is reachable: ${count === 0 ? 'no agents yet' : plural(count, 'agent')}` }, store };
  } catch (error) {
    await store.close().catch(() => undefined);
    if (!(error instanceof StoreError)) throw error;
    return { result: { check: 'store', status: 'fail', message: error.message, fix: 'point --store at an agentctl store (agentctl apply creates one)' } };
  }
}

/** The project file loads, and what it defines; a failure is the loader's one line (file:line:col: reason). */
async function checkProjectConfig(flags: ProjectFlags): Promise<CheckResult> {
  const { displayPath, ProjectConfigError } = await import('../../project/load.js');
  if (flags.config === false) return { check: 'config', status: 'ok', message: 'no project file (--no-config): tool, validator and node names are not checked' };
  try {
    const loaded = await loadChosenProject(flags);
    if (loaded === null) return { check: 'config', status: 'ok', message: 'no project file (agentctl.config.ts) here or above, up to the git root: no tools, validators or nodes' };
    const { tools = {}, validators = {}, nodes = {}, agentTypes = {} } = loaded.config;
    const counts = [plural(Object.keys(tools).length, 'tool'), plural(Object.keys(validators).length, 'validator'), plural(Object.keys(nodes).length, 'node'), plural(Object.keys(agentTypes).length, 'agent type')];
    return { check: 'config', status: 'ok', message: `${displayPath(loaded.file, process.cwd())} loads: ${counts.join(', ')}` };
  } catch (error) {
    if (!(error instanceof ProjectConfigError)) throw error;
    return { check: 'config', status: 'fail', message: `${displayPath(error.file, process.cwd())}${error.line === undefined ? '' : `:${error.line}:${error.column ?? 1}`}: ${error.reason}`, fix: 'fix the file, or pass --config PATH (another file) or --no-config (none)' };
  }
}

function describeProblem(problem: Problem): string {
  const at = problem.line >= 1 ? `${problem.file}:${problem.line}:${problem.column}` : problem.file;
  return `${at} ${problem.message}`;
}

function checkDefinitionsResult(problems: readonly Problem[], agents: number, files: number, paths: readonly string[]): CheckResult {
  const validate = `agentctl validate${paths.join(' ') === 'agents/' ? '' : ` ${paths.join(' ')}`}`;
  const errors = problems.filter((problem) => problem.severity === 'error');
  const warnings = problems.length - errors.length;
  if (errors.length > 0) {
    return { check: 'definitions', status: 'fail', message: `${plural(errors.length, 'error')}, first: ${describeProblem(errors[0] as Problem)}`, fix: `${validate} shows each one, with its line` };
  }
  const valid = `${plural(agents, 'agent')} in ${plural(files, 'file')} ${agents === 1 ? 'is' : 'are'} valid`;
  if (warnings > 0) return { check: 'definitions', status: 'warn', message: `${valid}, with ${plural(warnings, 'warning')}`, fix: `${validate} shows them` };
  return { check: 'definitions', status: 'ok', message: valid };
}

function checkSyncResult(plan: SyncPlan, storeName: string): CheckResult[] {
  const idsOf = (action: PlanAction): string[] => plan.changes.filter((change) => change.action === action).map((change) => change.agent_id);
  const pending = (['create', 'update', 'drift'] as const).flatMap((action) => {
    const ids = idsOf(action);
    const what = action === 'drift' ? 'changed outside agentctl' : `to ${action}`;
    return ids.length === 0 ? [] : [`${ids.length} ${what}: ${someIds(ids)}`];
  });
  const results: CheckResult[] = [];
  if (pending.length > 0) {
    const fix = idsOf('drift').length > 0 ? 'agentctl diff shows what differs; agentctl apply (--force for what changed outside agentctl)' : 'agentctl apply (agentctl diff shows what it would change)';
    results.push({ check: 'sync', status: 'fail', message: `${storeName} differs from the files: ${pending.join('; ')}`, fix });
  }
  const orphans = idsOf('orphan');
  if (orphans.length > 0) {
    results.push({ check: 'sync', status: 'warn', message: `in the store but in no file: ${someIds(orphans)}`, fix: 'agentctl apply --prune deletes them; agentctl export brings them into files' });
  }
  if (results.length === 0) results.push({ check: 'sync', status: 'ok', message: `${storeName} holds what the files define (${plural(plan.changes.length, 'agent')})` });
  return results;
}

async function checkEnvironment(desired: readonly DesiredAgent[]): Promise<CheckResult[]> {
  const { missingCredentials, requiredCredentials, describeMissing } = await import('../../worker/credentials.js');
  const results: CheckResult[] = [];
  const needed = new Set<string>();
  let checked = 0;
  for (const { definition } of desired) {
    // The worker refuses sessions of a disabled agent before it reads any key.
    if (definition.enabled === false) continue;
    checked += 1;
    for (const credential of requiredCredentials(definition)) needed.add(credential.env);
    const missing = missingCredentials(definition, process.env);
    if (missing.length === 0) continue;
    const variables = new Set(missing.map((credential) => credential.env)).size;
    results.push({ check: 'env', status: 'fail', agent_id: definition.agent_id, message: `${definition.agent_id}: ${describeMissing(missing)}`, fix: `set ${variables === 1 ? 'it' : 'them'} where the worker runs (.env.example lists the variables)` });
  }
  if (results.length === 0) {
    results.push({ check: 'env', status: 'ok', message: checked === 0 ? 'no enabled agent needs a key' : `every variable the ${plural(checked, 'enabled agent')} ${checked === 1 ? 'needs' : 'need'} is set: ${[...needed].join(', ')}` });
  }
  return results;
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/** A LiveKit access token (HS256 JWT) that may only list rooms, valid for a minute. */
function roomListToken(apiKey: string, apiSecret: string, nowSeconds: number): string {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ iss: apiKey, sub: 'agentctl-doctor', nbf: nowSeconds - 10, exp: nowSeconds + 60, video: { roomList: true } }));
  const signature = base64url(createHmac('sha256', apiSecret).update(`${header}.${payload}`).digest());
  return `${header}.${payload}.${signature}`;
}

/** The http(s) URL of a ws(s):// or http(s):// LIVEKIT_URL, or undefined when it is neither. */
function httpUrlOf(text: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  const protocol = { 'ws:': 'http:', 'wss:': 'https:', 'http:': 'http:', 'https:': 'https:' }[url.protocol];
  if (protocol === undefined) return undefined;
  url.protocol = protocol;
  return url;
}

/**
 * One HTTP request, its status, the body thrown away; rejects with a one-line
 * reason when there is no answer. node:http rather than fetch, which refuses
 * ports the fetch standard blocks (5060, 6000, ...) that a server may well use.
 */
async function httpStatus(url: URL, options: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string }): Promise<number> {
  const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const sent = request(url, { method: options.method, headers: options.headers, timeout: LIVEKIT_TIMEOUT_MS }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    sent.on('timeout', () => sent.destroy(new Error(`no answer within ${LIVEKIT_TIMEOUT_MS / 1000} s`)));
    sent.on('error', (error: NodeJS.ErrnoException) => reject(new Error(error.code ?? error.message)));
    sent.end(options.body);
  });
}

async function checkLiveKit(): Promise<CheckResult[]> {
  const given = process.env.LIVEKIT_URL?.trim();
  const serverFix = 'set LIVEKIT_URL to the LiveKit server the worker connects to (wss://<project>.livekit.cloud, or ws://localhost:7880 for livekit-server --dev)';
  if (!given) {
    return [
      { check: 'livekit', status: 'fail', message: 'LIVEKIT_URL is not set', fix: serverFix },
      { check: 'livekit-keys', status: 'skipped', message: 'skipped: no LiveKit server to ask' },
    ];
  }
  const shown = redactUrls(given);
  const base = httpUrlOf(given);
  if (base === undefined) {
    return [
      { check: 'livekit', status: 'fail', message: `LIVEKIT_URL ${JSON.stringify(shown)} is not a ws://, wss://, http:// or https:// URL`, fix: serverFix },
      { check: 'livekit-keys', status: 'skipped', message: 'skipped: no LiveKit server to ask' },
    ];
  }
  const results: CheckResult[] = [];
  try {
    const status = await httpStatus(base, { method: 'GET' });
    results.push({ check: 'livekit', status: 'ok', message: `${shown} answers (HTTP ${status})` });
  } catch (error) {
    results.push({ check: 'livekit', status: 'fail', message: `${shown} does not answer: ${(error as Error).message}`, fix: `start the LiveKit server, or correct LIVEKIT_URL` });
    results.push({ check: 'livekit-keys', status: 'skipped', message: 'skipped: the LiveKit server does not answer' });
    return results;
  }
  results.push(await checkLiveKitKeys(base));
  return results;
}

/** ListRooms with a token signed by the key pair: 200 means the server knows the pair, 401 that it does not. */
async function checkLiveKitKeys(base: URL): Promise<CheckResult> {
  const apiKey = process.env.LIVEKIT_API_KEY;
  const apiSecret = process.env.LIVEKIT_API_SECRET;
  const unset = [...(apiKey ? [] : ['LIVEKIT_API_KEY']), ...(apiSecret ? [] : ['LIVEKIT_API_SECRET'])];
  const keysFix = 'set LIVEKIT_API_KEY and LIVEKIT_API_SECRET to a key pair of that server (its keys: in livekit.yaml, or the LiveKit Cloud project\'s API keys)';
  if (apiKey === undefined || apiKey === '' || apiSecret === undefined || apiSecret === '') {
    return { check: 'livekit-keys', status: 'fail', message: `${unset.join(' and ')} ${unset.length === 1 ? 'is' : 'are'} not set`, fix: keysFix };
  }
  const url = new URL('twirp/livekit.RoomService/ListRooms', base.href.endsWith('/') ? base : `${base.href}/`);
  let status: number;
  try {
    status = await httpStatus(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${roomListToken(apiKey, apiSecret, Math.floor(Date.now() / 1000))}`, 'content-type': 'application/json' },
      body: '{}',
    });
  } catch (error) {
    return { check: 'livekit-keys', status: 'fail', message: `listing rooms failed: ${(error as Error).message}`, fix: 'start the LiveKit server, or correct LIVEKIT_URL' };
  }
  if (status === 200) return { check: 'livekit-keys', status: 'ok', message: `the server accepts the key pair of LIVEKIT_API_KEY` };
  if (status === 401 || status === 403) return { check: 'livekit-keys', status: 'fail', message: `the server refuses the key pair (HTTP ${status} listing rooms)`, fix: keysFix };
  return { check: 'livekit-keys', status: 'fail', message: `listing rooms answered HTTP ${status}: is LIVEKIT_URL a LiveKit server?`, fix: 'point LIVEKIT_URL at the LiveKit server itself' };
}

async function runChecks(paths: string[], flags: StoreFlags & ProjectFlags): Promise<CheckResult[]> {
  const { result: storeResult, store } = await checkStore(flags);
  const configResult = await checkProjectConfig(flags);
  const results: CheckResult[] = [storeResult];
  if (configResult.status === 'fail') {
    // The definitions' names are checked against the project file: what follows from them cannot be told without it.
    await store?.close().catch(() => undefined);
    const message = 'skipped: the project file does not load';
    results.push({ check: 'definitions', status: 'skipped', message }, { check: 'sync', status: 'skipped', message }, { check: 'env', status: 'skipped', message });
  } else {
    results.push(...(await checkDefinitionsSyncAndEnvironment(paths, flags, store)));
  }
  // Run first, since the definitions depend on it; listed with the rest of the set-up the worker needs.
  results.push(configResult, ...(await checkLiveKit()));
  return results;
}

async function checkDefinitionsSyncAndEnvironment(paths: string[], flags: ProjectFlags, store: ConfigStore | undefined): Promise<CheckResult[]> {
  const [{ loadDesired }, { planAgainstStore }] = await Promise.all([import('../../sync/desired.js'), import('../../sync/read.js')]);
  const results: CheckResult[] = [];
  let valid: boolean;
  let desired: DesiredAgent[];
  try {
    const loaded = await loadDesired(paths, { cwd: process.cwd(), project: projectOptionsOf(flags) });
    const definitions = checkDefinitionsResult(loaded.problems, loaded.documents.length, loaded.files.length, paths);
    results.push(definitions);
    valid = definitions.status !== 'fail';
    desired = loaded.desired;
    if (store === undefined) results.push({ check: 'sync', status: 'skipped', message: 'skipped: the store is not reachable' });
    else if (!valid) results.push({ check: 'sync', status: 'skipped', message: 'skipped: the definitions do not validate' });
    else results.push(...checkSyncResult(await planAgainstStore(store, desired, { prune: false }), store.displayName));
  } finally {
    await store?.close().catch(() => undefined);
  }
  results.push(...(valid ? await checkEnvironment(desired) : [{ check: 'env', status: 'skipped', message: 'skipped: the definitions do not validate' } as const]));
  return results;
}

const SYMBOLS: Readonly<Record<CheckStatus, string>> = { ok: '✔', fail: '✖', warn: '!', skipped: '!' };

/** The table (formatTable escapes every cell, so colors go on afterwards), each fix on the line under its check, then the verdict. */
function renderTable(results: readonly CheckResult[]): string {
  const colors = createColors(process.stdout);
  const paint: Readonly<Record<CheckStatus, (text: string) => string>> = { ok: colors.green, fail: colors.red, warn: colors.yellow, skipped: colors.dim };
  const rows: Array<{ cells: string[]; paintLine: (line: string) => string }> = [{ cells: ['', 'CHECK', 'RESULT'], paintLine: (line) => line }];
  for (const result of results) {
    rows.push({ cells: [SYMBOLS[result.status], result.check, result.message], paintLine: (line) => `${paint[result.status](line.slice(0, 1))}${line.slice(1)}` });
    if (result.fix !== undefined && result.status !== 'ok') rows.push({ cells: ['', '', `fix: ${result.fix}`], paintLine: colors.dim });
  }
  const [header = [], ...body] = rows.map((row) => row.cells);
  const lines = formatTable(header, body).trimEnd().split('\n');
  const failed = results.filter((result) => result.status === 'fail').length;
  const warned = results.filter((result) => result.status === 'warn').length;
  const verdict =
    failed > 0
      ? colors.red(`✖ ${plural(failed, 'check')} failed${warned > 0 ? `, ${plural(warned, 'warning')}` : ''}`)
      : colors.green(`✔ all checks passed${warned > 0 ? ` (${plural(warned, 'warning')})` : ''}`);
  return `${lines.map((line, index) => rows[index]?.paintLine(line) ?? line).join('\n')}\n\n${verdict}\n`;
}

export function register(program: Command): void {
  const command = program
    .command('doctor')
    .summary('check the setup: store, definitions, sync, keys, LiveKit')
    .description('Answer "why doesn\'t it work?": check that the store is reachable, the project file loads, the definitions validate, the store is in sync with them, every key the agents need is set, and the LiveKit server answers and accepts the key pair. Prints the fix for each failed check.')
    .argument('[paths...]', 'files or directories of agent YAML', ['agents/'])
    .option('--json', 'one JSON object: {ok, checks: [{check, status, agent_id?, message, fix?}]}');
  addProjectOptions(addStoreOptions(command))
    .addHelpText('after', HELP_EXAMPLES)
    .action(async (paths: string[], options: DoctorOptions) => {
      const results = await runChecks(paths, options);
      const ok = !results.some((result) => result.status === 'fail');
      process.stdout.write(options.json ? `${stringifyJsonForTerminal(redactUrlsInJson({ ok, checks: results }))}\n` : renderTable(results));
      process.exitCode = ok ? EXIT_OK : EXIT_FAILURE;
    });
}
