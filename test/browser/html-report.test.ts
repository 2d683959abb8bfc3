// The HTML report in a real headless Chromium (Debian `chromium`, driven by playwright-core): it loads from disk with
// no console error and no request beyond its own files, the charts and grid show the report's figures, links open the
// ses files, and a full-page screenshot is saved to test-artifacts/html-report.png.
// Skips loudly without /usr/bin/chromium; fails instead under SWEBENCH_REQUIRE_BROWSER=1 (CI).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateRun } from '../../src/report/aggregate.js';
import { renderHtml } from '../../src/report/render-html.js';
import { renderJunit } from '../../src/report/render-junit.js';
import { loadRun } from '../../src/report/run-dir.js';
import type { RunReport } from '../../src/report/types.js';
import { buildRunDir, type SesSpec } from '../helpers/run-dir.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

const CHROMIUM = process.env.SWEBENCH_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOT = path.join(REPO_ROOT, 'test-artifacts/html-report.png');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const msg = `no Chromium at ${CHROMIUM} (apt-get install chromium): the HTML report browser test is SKIPPED`;
  if (process.env.SWEBENCH_REQUIRE_BROWSER === '1') throw new Error(`${msg} (SWEBENCH_REQUIRE_BROWSER=1)`);
  console.warn(`\n!!! ${msg}\n`);
  return false;
}

/** 12 instances × 3 harnesses (one with 3 samples): every outcome, several error classes, spread-out times. */
function sessions(): SesSpec[] {
  const ids = Array.from({ length: 12 }, (_, i) => `demo__pkg-${100 + i}`);
  const classes = ['no_completions', 'agent_timeout', 'infra_error', 'patch_apply_failed'] as const;
  const out: SesSpec[] = [];
  ids.forEach((id, i) => {
    out.push({ instance_id: id, harness: 'opencode', model: 'oracle', resolved: true, run_ms: 20_000 + i * 3_000, record_count: 6 + i });
    const cls = i % 3 === 0 ? classes[(i / 3) % classes.length]! : null;
    out.push({
      instance_id: id, harness: 'codex', model: 'oracle', resolved: cls === null && i % 2 === 0, run_ms: 10_000 + i * 7_000, record_count: 3 + (i % 4),
      ...(cls ? { status: cls === 'infra_error' ? ('ERROR' as const) : ('FAILED' as const), error_class: cls, error: `${cls} <b>not markup</b>`, patch: cls === 'patch_apply_failed' ? 'not a diff\n' : '' } : {}),
    });
    if (i < 10) {
      for (let k = 0; k < 3; k++) {
        out.push({ instance_id: id, harness: 'qwen-code', model: 'noop', sample_index: k, resolved: (i + k) % 4 === 0, run_ms: 5_000 + ((i * 3 + k) % 7) * 2_000, record_count: 1, patch: (i + k) % 4 === 0 ? undefined : '' });
      }
    }
  });
  return out;
}

describe.runIf(chromiumAvailable())('HTML report in headless Chromium', () => {
  let tmp = '';
  let report: RunReport;
  let page: string;
  let context: BrowserContext;

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'swebench-html-'));
    const runDir = buildRunDir({ runId: 'html-demo', sessions: sessions() }, tmp, 'html-demo');
    report = aggregateRun(await loadRun(runDir));
    page = path.join(tmp, 'site/report.html');
    mkdirSync(path.dirname(page), { recursive: true });
    writeFileSync(page, renderHtml(report, { color: false, linkBase: path.relative(path.dirname(page), runDir).split(path.sep).join('/') }));
    context = await chromium.launchPersistentContext(mkdtempSync(path.join(tmp, 'profile-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 900 },
    });
  });
  afterAll(async () => {
    await context?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('loads with no console error and fetches nothing but itself', async () => {
    const tab = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    tab.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    tab.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    tab.on('requestfailed', (r) => problems.push(`requestfailed: ${r.url()}`));
    tab.on('request', (r) => requests.push(r.url()));
    const response = await tab.goto(pathToFileURL(page).href, { waitUntil: 'load' });
    expect(response?.ok() ?? true).toBe(true);
    expect(await tab.title()).toBe('SWE-bench run html-demo');
    expect(problems).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file://') && !u.startsWith('data:'))).toEqual([]);

    // Charts: one bar (+ whisker) per group, widths proportional to the resolve rate.
    expect(await tab.locator('svg').count()).toBe(3);
    const bars = await tab.locator('svg[aria-label="resolve rate per harness and model"] rect').evaluateAll((els) => els.map((e) => Number(e.getAttribute('width'))));
    expect(bars).toHaveLength(3);
    report.groups.forEach((g, i) => expect(bars[i]).toBeCloseTo(g.resolve_rate * 600, 0));
    const dots = await tab.locator('svg[aria-label="session time distribution"] circle').count();
    expect(dots).toBe(report.sessions.length);
    const rendered = await tab.locator('svg').first().boundingBox();
    expect(rendered!.width).toBeGreaterThan(500);

    // Grid: one row per instance, one cell per group, coloured by outcome.
    expect(await tab.locator('table.grid tbody tr').count()).toBe(12);
    const outcomes = report.instances.flatMap((i) => report.groups.map((g) => i.cells[g.key]!.outcome));
    const classes = await tab.locator('table.grid tbody td[class^="o-"]').evaluateAll((els) => els.map((e) => e.className));
    expect(classes).toEqual(outcomes.map((o) => `o-${o}`));
    const green = await tab.locator('table.grid td.o-resolved').first().evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(green).toBe('rgb(200, 230, 201)');
    // Error text is shown as text, not markup.
    expect(await tab.locator('td.err b').count()).toBe(0);
    expect(await tab.locator('td.err', { hasText: '<b>not markup</b>' }).count()).toBeGreaterThan(0);

    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await tab.screenshot({ path: SCREENSHOT, fullPage: true });
    const png = readFileSync(SCREENSHOT);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(20_000);
    await tab.close();
  });

  it('links open the ses files and artifacts of the run', async () => {
    const tab = await context.newPage();
    await tab.goto(pathToFileURL(page).href);
    const links = await tab.locator('a[href]').evaluateAll((els) => els.map((e) => (e as HTMLAnchorElement).href));
    expect(links.length).toBeGreaterThan(report.sessions.length * 4);
    for (const href of links) expect(existsSync(new URL(href)), href).toBe(true);
    const first = report.sessions[0]!;
    await tab.locator('table.grid a').first().click();
    expect(tab.url()).toBe(pathToFileURL(path.join(report.run.dir, first.file)).href);
    expect(JSON.parse(await tab.locator('body').innerText()).session_id).toBe(first.session_id);
    await tab.close();
  });

  it("the JUnit output parses in the browser's XML parser too", async () => {
    const tab = await context.newPage();
    const result = await tab.evaluate((xml) => {
      const doc = new DOMParser().parseFromString(xml, 'application/xml');
      return { error: doc.querySelector('parsererror')?.textContent ?? null, cases: doc.querySelectorAll('testcase').length, failures: doc.querySelectorAll('testcase > failure').length };
    }, renderJunit(report));
    expect(result.error).toBeNull();
    expect(result.cases).toBe(report.sessions.length);
    expect(result.failures).toBe(report.sessions.filter((s) => !s.resolved && s.status !== 'CANCELLED').length);
    await tab.close();
  });
});
