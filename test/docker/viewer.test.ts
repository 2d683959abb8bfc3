// The viewer on real runs: one submit of the oracle with opencode, codex, claude-code and qwen-code side by side, one
// failed noop session served through `swebench model serve` with an upstream key, and one chaos session whose every
// completion errors (capped by --max-completions). `swebench report --format html --out` writes the site; headless
// Chromium (playwright-core, Debian `chromium`) opens every session page from file:// and checks that it shows
// every completion of records.jsonl, the diff and every graded test with its status, with no console error. The
// pages are grepped for the session token shape, the admin token shape and the upstream key. Screenshots of a
// session page (light, and dark via prefers-color-scheme) and the comparison page go to test-artifacts/. `swebench view` serves the same site over 127.0.0.1.
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { CLI, readSesFiles, submit } from './submit-helpers.js';

const fixturesDir = inject('fixturesDir');
const CHROMIUM = process.env.SWEBENCH_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const INSTANCE = 'fixtures__calc-1';
const UPSTREAM_KEY = `sk-upstream-viewer-${process.pid}-d41d8cd98f00b204e980`;
const SEAL_SECRET = `seal-viewer-${process.pid}-9e107d9d372bb6826bd81d3542a419d6`;
const HARNESSES = ['opencode', 'codex', 'claude-code', 'qwen-code'];

function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const msg = `no Chromium at ${CHROMIUM}: the viewer browser test is SKIPPED`;
  if (process.env.SWEBENCH_REQUIRE_BROWSER === '1') throw new Error(msg);
  console.warn(`\n!!! ${msg}\n`);
  return false;
}

function recordCount(runDir: string, rel: string): number {
  return readFileSync(path.join(runDir, rel), 'utf8').split('\n').filter((l) => l.trim()).length;
}

function htmlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.html')).map((e) => path.join(e.parentPath, e.name));
}

describe.skipIf(!fixturesDir || !chromiumAvailable())('the viewer on real runs (real Docker, four harnesses, headless Chromium)', () => {
  let out = '';
  let browser: Browser;
  const runs: Record<string, string> = {};

  beforeAll(async () => {
    out = mkdtempSync(path.join(os.tmpdir(), 'swebench-viewer-'));
    const dataset = path.join(fixturesDir!, 'tasks.jsonl');
    const common = ['--dataset', dataset, '--instance-ids', INSTANCE, '--output-dir', out, '--timeout', '300'];
    // a built-in model over HTTP, so the run has an upstream key to leak (it must not)
    const model = execa('node', [CLI, 'model', 'serve', '--policy', 'noop', '--dataset', dataset], { reject: false });
    const url = await new Promise<string>((resolve, reject) => {
      model.stdout!.on('data', (d: Buffer) => { const m = /"url":"([^"]+)"/.exec(String(d)); if (m) resolve(m[1]!); });
      void model.then((r) => reject(new Error(`model serve exited: ${r.stderr}`)));
    });
    const chaosYaml = path.join(out, 'chaos.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(chaosYaml, 'chaos:\n  seed: 3\n  rates: { "sse-error": 1.0 }\n');
    const [oracle, noop, chaos] = await Promise.all([
      // a known seal secret (else random per run), so the pages can be grepped for it
      submit([...common, '--harness', HARNESSES.join(','), '--model', 'oracle', '--run-id', 'oracle', '--concurrency', '2', '--seal-secret-env', 'VIEWER_SEAL'], { env: { VIEWER_SEAL: SEAL_SECRET } }),
      submit([...common, '--harness', 'opencode', '--upstream', url, '--upstream-api-key-env', 'VIEWER_UPSTREAM_KEY', '--run-id', 'noop'], { env: { VIEWER_UPSTREAM_KEY: UPSTREAM_KEY } }),
      submit([...common, '--config', chaosYaml, '--harness', 'opencode', '--model', 'chaos', '--max-completions', '3', '--idle-timeout', '40', '--run-id', 'chaos']),
    ]);
    model.kill();
    for (const [name, r] of Object.entries({ oracle, noop, chaos })) {
      expect([0, 1, 2, 3, 4], `${name}: ${r.stderr.slice(-3000)}`).toContain(r.exitCode);
      runs[name] = path.join(out, name);
      const rep = await execa('node', [CLI, 'report', runs[name]!, '--format', 'html', '--out', path.join(out, `site-${name}`, 'report.html')], { reject: false });
      expect(rep.exitCode, rep.stderr).toBe(0);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  afterAll(async () => {
    await browser?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  /** Opens a session's page and checks it against its ses file and records.jsonl. */
  async function checkSession(run: string, shot?: string) {
    const runDir = runs[run]!;
    const sessions = readSesFiles(runDir);
    expect(sessions.length).toBeGreaterThan(0);
    for (const ses of sessions) {
      const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      tab.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
      tab.on('pageerror', (e) => problems.push(String(e)));
      tab.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) problems.push(`request ${r.url()}`); });
      const file = path.join(out, `site-${run}`, 'sessions', `ses_${ses.session_id}.html`);
      await tab.goto(pathToFileURL(file).href);
      const n = recordCount(runDir, ses.artifacts.records);
      expect(n, `${run} ${ses.harness.name}`).toBe(ses.record_count);
      expect(await tab.locator('.completion').count(), `${run} ${ses.harness.name}: completions`).toBe(n);
      if (ses.patch) expect(await tab.locator('pre.diff .d-add').count()).toBeGreaterThan(0);
      const ts = ses.trajectory.metadata.evaluation.report?.tests_status;
      if (ts) {
        const rows = await tab.locator('tr.test').allTextContents();
        for (const kind of ['FAIL_TO_PASS', 'PASS_TO_PASS'] as const) {
          for (const t of ts[kind].success) expect(rows.some((r) => r.includes(kind) && r.includes(t) && r.includes('PASSED')), `${t} PASSED`).toBe(true);
          for (const t of ts[kind].failure) expect(rows.some((r) => r.includes(kind) && r.includes(t) && r.includes('FAILED')), `${t} FAILED`).toBe(true);
        }
      }
      // long lines (the oracle's base64 patch, long tool outputs) wrap or scroll inside their block: no page-wide overflow
      expect(await tab.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${run} ${ses.harness.name}: horizontal overflow`).toBe(true);
      if (shot) {
        mkdirSync(ARTIFACTS, { recursive: true });
        await tab.screenshot({ path: path.join(ARTIFACTS, shot), fullPage: true });
        await tab.emulateMedia({ colorScheme: 'dark' });
        await tab.screenshot({ path: path.join(ARTIFACTS, shot.replace('.png', '-dark.png')) });
        shot = undefined;
      }
      // the keys: `t` moves to a tool call, `/` focuses the search
      await tab.keyboard.press('t');
      if (await tab.locator('.tool-call').count()) expect(await tab.locator('.completion.cur .tool-call').count()).toBeGreaterThan(0);
      await tab.keyboard.press('/');
      expect(await tab.evaluate(() => document.activeElement?.id)).toBe('q');
      if (n > 0) {
        await tab.keyboard.type('turn 1');
        expect(await tab.locator('#qinfo').textContent()).toMatch(/^[1-9]\d* match/);
      }
      expect(problems).toEqual([]);
      await tab.close();
    }
    return sessions;
  }

  it('shows every completion, the diff and every graded test for the oracle with each of the four harnesses', async () => {
    const sessions = await checkSession('oracle', 'viewer-session.png');
    expect(sessions.map((s) => s.harness.name).sort()).toEqual([...HARNESSES].sort());
    expect(sessions.every((s) => s.resolved)).toBe(true);
    console.log(`viewer: oracle sessions ${sessions.map((s) => `${s.harness.name} ${s.record_count} completion(s)`).join(', ')}`);
  });

  it('shows the failed noop session and the chaos session with its errored completions', async () => {
    const [noop] = await checkSession('noop');
    expect(noop!.resolved).toBe(false);
    const [chaos] = await checkSession('chaos');
    expect(chaos!.error_class).not.toBeNull();
    const tab = await browser.newPage();
    await tab.goto(pathToFileURL(path.join(out, 'site-chaos', 'sessions', `ses_${chaos!.session_id}.html`)).href);
    const errored = readFileSync(path.join(runs.chaos!, chaos!.artifacts.records), 'utf8').split('\n').filter((l) => l.trim() && (JSON.parse(l) as { status: string }).status === 'error').length;
    console.log(`viewer: chaos session ${chaos!.status} ${chaos!.error_class}, ${chaos!.record_count} completion(s), ${errored} errored`);
    expect(errored).toBeGreaterThan(0);
    expect(await tab.locator('.completion.error').count()).toBe(errored);
    await tab.keyboard.press('e');
    expect(await tab.locator('.cur').count()).toBe(1);
    await tab.close();
  });

  it('compares the four harnesses side by side', async () => {
    const tab = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    const problems: string[] = [];
    tab.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    await tab.goto(pathToFileURL(path.join(out, 'site-oracle', 'compare', `task_${INSTANCE}.html`)).href);
    expect(await tab.locator('.cmp > div').count()).toBe(4);
    expect(await tab.locator('.cmp pre.diff').count()).toBe(4);
    mkdirSync(ARTIFACTS, { recursive: true });
    await tab.screenshot({ path: path.join(ARTIFACTS, 'viewer-compare.png'), fullPage: true });
    expect(problems).toEqual([]);
    await tab.close();
  });

  it('writes no session token, admin token, seal secret or upstream key into any page', () => {
    const pages = Object.keys(runs).flatMap((r) => htmlFiles(path.join(out, `site-${r}`)));
    expect(pages.length).toBeGreaterThan(6);
    for (const p of pages) {
      const text = readFileSync(p, 'utf8');
      expect(text, p).not.toMatch(/sk-swebench-[A-Za-z0-9_-]{43}/);
      expect(text, p).not.toMatch(/swebench-admin-[A-Za-z0-9_-]{43}/);
      expect(text.includes(UPSTREAM_KEY), p).toBe(false);
      expect(text.includes(SEAL_SECRET), p).toBe(false);
    }
  });

  it('`swebench view` serves the site on 127.0.0.1 and prints its URL', async () => {
    const view = execa('node', [CLI, 'view', runs.oracle!, '--port', '0'], { reject: false });
    const url = await new Promise<string>((resolve) => view.stdout!.on('data', (d: Buffer) => resolve(String(d).trim())));
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/viewer\/index\.html$/);
    const index = await fetch(url);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('sessions/ses_');
    expect((await fetch(new URL('/../../etc/passwd', url))).status).not.toBe(200);
    view.kill('SIGINT');
    await view;
  });
});
