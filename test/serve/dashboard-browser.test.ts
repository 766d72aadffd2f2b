/**
 * The dashboard in a real browser: Debian's chromium driven by playwright-core
 * (never its own browser download) against a real `agentctl serve` from
 * dist/ on 127.0.0.1, over a temp embedded store the CLI applied agents to.
 * Screenshots of each page go to test-artifacts/dashboard/.
 * Under CI=true this runs or fails; elsewhere it skips, saying so, only when
 * chromium is absent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { ConfigStore } from '../../src/store/types.js';
import { agentctl, repo } from '../cli/run-agentctl.js';
import { freeTcpPort } from '../setup/local-binaries.js';
import { agentDefinition } from '../support/agents.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(repo, 'test-artifacts', 'dashboard');
const XSS = '<img src=x onerror="window.__xss = true">';
const XSS_AGENT = 'xss-probe';
const runInBrowser = existsSync(CHROMIUM) || process.env.CI === 'true';
if (!runInBrowser) process.stderr.write(`dashboard browser test skipped: no chromium at ${CHROMIUM} (apt-get install -y chromium; under CI=true it runs)\n`);

describe.runIf(runInBrowser)('dashboard in chromium against agentctl serve', () => {
  let dir: string;
  let server: ChildProcess;
  let base: string;
  let browser: Browser;
  let store: ConfigStore;
  const tokens: Record<'viewer' | 'developer', string> = { viewer: '', developer: '' };
  const serverOutput: string[] = [];

  async function createToken(name: string, role: string): Promise<string> {
    const run = await agentctl(dir, 'token', 'create', name, '--role', role);
    const token = /agentctl_[0-9a-f]{16}_[A-Za-z0-9_-]+/.exec(run.stdout)?.[0];
    if (run.code !== 0 || token === undefined) throw new Error(`token create ${name}: ${run.stdout}${run.stderr}`);
    return token;
  }

  async function waitForHealth(): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt++) {
      try {
        if ((await fetch(`${base}/health`)).ok) return;
      } catch {
        // not listening yet
      }
      if (server.exitCode !== null) break;
      await new Promise((done) => setTimeout(done, 100));
    }
    throw new Error(`agentctl serve did not come up:\n${serverOutput.join('')}`);
  }

  async function signedIn(token: string, hash = '#/agents'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const page = await context.newPage();
    page.on('pageerror', (error) => serverOutput.push(`page error: ${error.message}\n`));
    await page.goto(`${base}/${hash}`);
    await page.fill('#token', token);
    await page.press('#token', 'Enter');
    // The page, not the form it replaces (whose heading is #login-title).
    await page.waitForSelector('#identity');
    await page.waitForSelector('main h1:not(#login-title)');
    return page;
  }

  /** Each body row of the first table matching `selector`, as its cells' texts. */
  async function bodyRows(page: Page, selector: string): Promise<string[][]> {
    return (await page.evaluate(
      `Array.from(document.querySelector(${JSON.stringify(selector)}).tBodies[0].rows, (row) => Array.from(row.cells, (cell) => cell.textContent))`,
    )) as string[][];
  }

  async function storedTracing(agentId: string): Promise<{ enabled: boolean | undefined; revision: number; api: string | undefined }> {
    const agent = await store.getAgent(agentId);
    if (agent === null) throw new Error(`${agentId} is not stored`);
    return { enabled: agent.definition.tracing_config?.enabled, revision: agent.meta.revision, api: agent.meta.source?.api };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentctl-dashboard-'));
    await cp(join(repo, 'agents'), join(dir, 'agents'), { recursive: true });
    const probe = agentDefinition(XSS_AGENT, {
      agent_type: 'support',
      prompt_config: { instructions: `You answer questions. ${XSS}` },
      schema_config: {
        schema_id: 'probe_turn_v1',
        fields: [
          { field_name: 'system_response', field_type: 'str', description: XSS },
          { field_name: 'mood', field_type: 'str', description: 'How it sounds', required: false, metadata: { use_in_tts: true } },
        ],
      },
      tracing_config: { enabled: false },
      tenant_config: { tenant_id: 'acme', quotas: { max_concurrent_sessions: 4 } },
    });
    await writeFile(join(dir, 'agents', `${XSS_AGENT}.yaml`), yaml.dump(probe));
    const applied = await agentctl(dir, 'apply');
    if (applied.code !== 0) throw new Error(`apply: ${applied.stdout}${applied.stderr}`);
    tokens.viewer = await createToken('support-desk', 'viewer');
    tokens.developer = await createToken('on-call', 'developer');

    store = await openStore(`sqlite:${join(dir, '.agentctl', 'agentctl.db')}`);
    const now = Date.now();
    await store.startSession(
      {
        session_id: 'room-42',
        agent_id: XSS_AGENT,
        user_id: 'caller-7',
        tenant_id: 'acme',
        user_details: {},
        overrides: {},
        created_at: new Date(now),
        expires_at: new Date(now + 3_600_000),
      },
      4,
    );

    const port = await freeTcpPort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, [join(repo, 'bin', 'agentctl'), 'serve', '--host', '127.0.0.1', '--port', String(port)], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', AGENTCTL_STORE: '', MONGO_URI: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (chunk: Buffer) => serverOutput.push(chunk.toString()));
    server.stderr?.on('data', (chunk: Buffer) => serverOutput.push(chunk.toString()));
    await waitForHealth();
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  });

  afterAll(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
    await store?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('serves the page with a CSP forbidding inline script and other origins', async () => {
    const response = await fetch(`${base}/`);
    expect(response.status).toBe(200);
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("default-src 'none'");
    expect(policy).not.toContain('unsafe-inline');
  });

  it('refuses a bad token with a clear message and stays on the form', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${base}/`);
    await page.fill('#token', 'agentctl_0123456789abcdef_not-a-real-secret');
    await page.click('button[type=submit]');
    const alert = page.locator('#login-error');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/^The token was refused \(401\): /);
    expect(await page.locator('#token').count()).toBe(1);
    expect(await page.evaluate('sessionStorage.getItem("agentctl.token")')).toBeNull();
    await page.screenshot({ path: join(ARTIFACTS, 'login-refused.png') });
  });

  it('lists every stored agent for a viewer, with drift and tenant in words', async () => {
    const page = await signedIn(tokens.viewer);
    expect(await page.textContent('#identity')).toBe('Signed in as support-desk (viewer)');
    const stored = (await store.listAgents()).map((agent) => agent.agent_id).sort();
    const rows = await bodyRows(page, 'main table');
    expect(rows.map((cells) => cells[0]).sort()).toEqual(stored);
    expect(rows.find((cells) => cells[0] === XSS_AGENT)).toEqual([XSS_AGENT, 'support', '1.0.0', 'yes', '1', 'as applied from git', 'acme']);
    expect(await page.locator('main th[scope=col]').allTextContents()).toEqual(['Agent', 'Type', 'Version', 'Enabled', 'Revision', 'Drift', 'Tenant']);
    await page.screenshot({ path: join(ARTIFACTS, 'agents.png'), fullPage: true });
    // The skip link moves focus to the content and leaves the route alone.
    await page.focus('a.skip');
    await page.keyboard.press('Enter');
    expect([await page.evaluate('document.activeElement?.id'), await page.evaluate('location.hash')]).toEqual(['main', '#/agents']);
  });

  it('shows a viewer an agent without the switch, and its data as text (the XSS agent)', async () => {
    const page = await signedIn(tokens.viewer, `#/agents/${XSS_AGENT}`);
    expect(await page.textContent('main h1')).toBe(XSS_AGENT);
    expect(await page.locator('#tracing-switch').count()).toBe(0);
    expect(await page.textContent('#tracing-status')).toBe('Tracing is off.');
    const description = page.locator('main table', { hasText: 'Fields of probe_turn_v1' }).locator('tbody tr').first().locator('td').nth(2);
    expect(await description.textContent()).toBe(XSS);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(await page.textContent('#schema-json')).toContain('"system_response"');
    await page.check('#schema-strict');
    expect(JSON.parse((await page.textContent('#schema-json')) ?? 'null')).toMatchObject({ additionalProperties: false });
    expect(await page.locator('main pre code').allTextContents()).toEqual(['agentctl diff', `agentctl export ${XSS_AGENT}`, `git add agents/${XSS_AGENT}.yaml && git commit`, 'agentctl apply --force']);
  });

  it('lets a developer reach the switch by keyboard, flip it, and the store changes', async () => {
    const page = await signedIn(tokens.developer, `#/agents/${XSS_AGENT}`);
    const before = await storedTracing(XSS_AGENT);
    expect(before.enabled).toBe(false);
    let focused = '';
    for (let presses = 0; presses < 40 && focused !== 'tracing-switch'; presses++) {
      await page.keyboard.press('Tab');
      focused = String(await page.evaluate('document.activeElement?.id'));
    }
    expect(focused).toBe('tracing-switch');
    expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).toBe('solid');
    await page.keyboard.press('Space');
    await page.locator('#tracing-status', { hasText: /^Tracing is on \(stored as revision \d+\)\.$/ }).waitFor();
    expect(await storedTracing(XSS_AGENT)).toEqual({ enabled: true, revision: before.revision + 1, api: 'on-call' });
    // The page is rendered again from the store, with the keyboard user still on the switch.
    expect(await page.evaluate('document.activeElement?.id')).toBe('tracing-switch');
    expect(await page.isChecked('#tracing-switch')).toBe(true);
    const settings = Object.fromEntries((await bodyRows(page, 'main table')).map(([name, value]) => [name, value]));
    expect(settings).toMatchObject({ Revision: String(before.revision + 1), Tracing: 'on', Source: `API, token "on-call"; git has it in agents/${XSS_AGENT}.yaml` });
    const newest = page.locator('details.revision-diff').first();
    await newest.locator('summary').click();
    expect(await newest.locator('summary').textContent()).toBe(`Revision ${before.revision + 1}: what changed since revision ${before.revision}`);
    expect(await newest.locator('li').allTextContents()).toEqual(['/tracing_config/enabled: false → true']);
    await page.screenshot({ path: join(ARTIFACTS, 'agent.png'), fullPage: true });

    await page.click('#tracing-switch');
    await page.locator('#tracing-status', { hasText: /^Tracing is off \(stored as revision \d+\)\.$/ }).waitFor();
    expect(await storedTracing(XSS_AGENT)).toEqual({ enabled: false, revision: before.revision + 2, api: 'on-call' });

    // The API write is drift until git has it: the list says so in words, naming the token.
    await page.click('nav a[href="#/agents"]');
    await page.locator('main h1', { hasText: /^Agents$/ }).waitFor();
    const row = (await bodyRows(page, 'main table')).find((cells) => cells[0] === XSS_AGENT);
    expect(row?.[5]).toBe('drift: written through the API by token on-call, not in git yet');
    expect(row?.[4]).toBe(String(before.revision + 2));
  });

  it('shows live sessions per tenant with quota use', async () => {
    const page = await signedIn(tokens.viewer, '#/sessions');
    const quotaRows = await bodyRows(page, 'main table:first-of-type');
    expect(quotaRows).toEqual([
      ['acme', '1', `${XSS_AGENT}: 1 of 4 live (25%)`],
      ['acme-travel', '0', 'sales-agent-v1: 0 of 20 live (0%)'],
      ['default', '0', 'interview-agent-strict-v1: no quota; pte-interview-agent-v1: no quota'],
    ]);
    expect(await page.textContent('main h1 + p')).toBe('1 live session across 3 tenants.');
    await page.screenshot({ path: join(ARTIFACTS, 'sessions.png'), fullPage: true });
  });

  it('goes back to the form with the reason when a token is revoked mid-session', async () => {
    const token = await createToken('short-lived', 'viewer');
    const page = await signedIn(token);
    const revoked = await agentctl(dir, 'token', 'revoke', 'short-lived');
    expect(revoked.code).toBe(0);
    await page.click('nav a[href="#/sessions"]');
    const alert = page.locator('#login-error');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/^The token was refused \(401\): /);
  });

  // Last: it uses up this address's failed attempts for a minute.
  it('after too many failed sign-ins, the form says to wait (429) and keeps no token', async () => {
    let status = 0;
    for (let attempt = 0; attempt < 20 && status !== 429; attempt++) {
      status = (await fetch(`${base}/api/v1/auth/whoami`, { headers: { authorization: 'Bearer agentctl_0123456789abcdef_guess' } })).status;
    }
    expect(status).toBe(429);
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${base}/`);
    await page.fill('#token', tokens.viewer);
    await page.press('#token', 'Enter');
    const alert = page.locator('#login-error');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/^GET \/api\/v1\/auth\/whoami failed \(429\): too many failed authentications from this address; try again in \d+ s$/);
    expect(await page.evaluate('sessionStorage.getItem("agentctl.token")')).toBeNull();
  });
});
