// Renderers (table, markdown, csv, json, html, junit), the format registry and the CI gates, on one synthetic run.
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { aggregateRun } from '../../../src/report/aggregate.js';
import { applyCiGates, parseRate } from '../../../src/report/ci-gates.js';
import { compareRuns } from '../../../src/report/compare.js';
import { fromRunReport } from '../../../src/report/compare-input.js';
import { getFormat, REPORT_FORMATS } from '../../../src/report/formats.js';
import { renderJunit } from '../../../src/report/render-junit.js';
import { loadRun } from '../../../src/report/run-dir.js';
import type { RunReport } from '../../../src/report/types.js';
import { buildRunDir } from '../../helpers/run-dir.js';
import { xmlError, xmllintAvailable, xpath } from '../../helpers/xml.js';

let dir = '';
let report: RunReport;
const ctx = { color: false, linkBase: '' };

beforeAll(async () => {
  dir = buildRunDir({
    runId: 'render-run',
    instanceIds: ['r__a-1', 'r__b-2', 'r__c-3'],
    sessions: [
      { instance_id: 'r__a-1', harness: 'h1', model: 'm', resolved: true, run_ms: 1500 },
      { instance_id: 'r__b-2', harness: 'h1', model: 'm', status: 'FAILED', error_class: 'no_completions', error: 'no completions <&> "quoted"\u0001', patch: '' },
      { instance_id: 'r__c-3', harness: 'h1', model: 'm', status: 'ERROR', error_class: 'infra_error', error: 'container died', patch: '' },
      { instance_id: 'r__a-1', harness: 'h2', model: 'm', resolved: true },
      { instance_id: 'r__b-2', harness: 'h2', model: 'm', resolved: true },
      { instance_id: 'r__c-3', harness: 'h2', model: 'm', status: 'CANCELLED', error: 'cancelled by user', patch: '' },
    ],
  });
  report = aggregateRun(await loadRun(dir));
});
afterAll(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

describe('text renderers', () => {
  it('table: one row per harness × model, error classes, official summary', () => {
    const out = REPORT_FORMATS.table.report(report, ctx);
    const lines = out.split('\n');
    expect(lines[0]).toBe('run render-run: 3 task(s), 6 session(s)');
    expect(lines.find((l) => l.startsWith('h1 '))).toMatch(/^h1\s+m\s+3\s+3\s+3\s+0\s+1\s+33\.3% \(6%–79%\)\s+50\.0%\s+33\.3%/); // tasks, planned, sessions, not run, resolved
    expect(lines.find((l) => l.startsWith('h2 '))).toMatch(/^h2\s+m\s+3\s+3\s+3\s+1\s+2\s+66\.7%/); // its CANCELLED session did not run
    expect(out).toMatch(/no_completions\s+1\s+0/);
    expect(out).toMatch(/infra_error\s+1\s+0/);
    expect(out).toContain('official summary h2__m: 2/3 resolved, 0 unresolved, 0 empty patch, 0 error, 1 incomplete');
    expect(out).not.toContain('\x1b[');
    expect(REPORT_FORMATS.table.report(report, { ...ctx, color: true })).toContain('\x1b[1m');
  });

  it('markdown: a valid table with as many cells per row as headers', () => {
    const out = REPORT_FORMATS.markdown.report(report, ctx);
    const rows = out.split('\n').filter((l) => l.startsWith('| h'));
    expect(rows).toHaveLength(2 + 1); // header row ("| harness") + h1 + h2
    const header = out.split('\n').find((l) => l.startsWith('| harness'))!;
    const cells = (l: string) => l.split(/(?<!\\)\|/).length;
    for (const r of rows) expect(cells(r)).toBe(cells(header));
    expect(out).toContain('- **h1__m**: 1/3 resolved');
  });

  it('csv: RFC 4180, one row per group with raw numbers', () => {
    const out = REPORT_FORMATS.csv.report(report, ctx);
    const [head, ...rows] = out.trimEnd().split('\r\n');
    const cols = head!.split(',');
    expect(rows).toHaveLength(2);
    const h1 = Object.fromEntries(rows[0]!.split(',').map((v, i) => [cols[i], v]));
    expect(h1).toMatchObject({ harness: 'h1', model: 'm', tasks: '3', resolved: '1', infra_errors: '1', pass_at_1: String(1 / 3), error_class_no_completions: '1', official_resolved_instances: '1' });
    expect(Number(h1.resolve_rate_excluding_infra)).toBeCloseTo(0.5, 14); // 1 / (3 − 1)
    expect(cols.length).toBe(rows[1]!.split(',').length);
  });

  it('json: the RunReport itself', () => {
    expect(JSON.parse(REPORT_FORMATS.json.report(report, ctx))).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it('compare renders in every format that has a comparison view', () => {
    const cmp = compareRuns([fromRunReport(report, dir)]);
    expect(REPORT_FORMATS.table.compare(cmp, ctx)).toMatch(/resolved by render-run:h2__m only: r__b-2/);
    expect(REPORT_FORMATS.markdown.compare(cmp, ctx)).toContain('`r__b-2`');
    const csv = REPORT_FORMATS.csv.compare(cmp, ctx).trimEnd().split('\r\n');
    expect(csv[0]).toMatch(/^reference,other,shared,both,lost,gained,diff,mcnemar_p,significant,/);
    expect(csv[1]).toMatch(/^render-run:h1__m,render-run:h2__m,3,1,0,1,/);
    expect(JSON.parse(REPORT_FORMATS.json.compare(cmp, ctx)).kind).toBe('swebench-compare');
  });

  it('getFormat lists the valid names on a typo, and knows which formats compare', () => {
    expect(() => getFormat('yaml', 'report')).toThrow(ConfigError);
    expect(() => getFormat('yaml', 'report')).toThrow(/unknown report format "yaml"/);
    expect(() => getFormat('html', 'compare')).toThrow(ConfigError);
    expect(() => getFormat('html', 'compare')).toThrow(expect.objectContaining({ hint: 'Valid formats: table, json, markdown, csv.' }));
    expect(getFormat('junit', 'report')).toBe(REPORT_FORMATS.junit);
  });
});

describe('html', () => {
  it('is self-contained, and every link points at a file of the run', () => {
    const html = REPORT_FORMATS.html.report(report, ctx);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/<script/);
    const svgs = html.match(/<svg /g) ?? [];
    expect(svgs.length).toBe(3); // rate bars, error classes, session time
    const hrefs = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!).filter((h) => !h.startsWith('data:'));
    expect(hrefs.length).toBeGreaterThan(report.sessions.length);
    for (const h of hrefs) expect(existsSync(path.join(dir, decodeURIComponent(h))), h).toBe(true);
    expect(html).toContain('no completions &lt;&amp;&gt;');
    // linkBase prefixes every link
    expect(REPORT_FORMATS.html.report(report, { ...ctx, linkBase: '../runs/x' })).toContain('href="../runs/x/rollout_results/');
  });
});

describe('junit', () => {
  it('one test case per session; failure message = error_class: error; cancelled = skipped', () => {
    const xml = renderJunit(report);
    expect(xml.match(/<testcase /g)).toHaveLength(6);
    expect(xml).toContain('<failure message="no_completions: no completions &lt;&amp;&gt; &quot;quoted&quot;\uFFFD" type="no_completions">');
    expect(xml).toContain('<failure message="infra_error: container died" type="infra_error">');
    expect(xml).toMatch(/<testcase name="r__c-3" classname="h2__m" time="1\.000">\n\s+<skipped message="cancelled: cancelled by user"\/>/);
    expect(xml).toMatch(/<testsuites name="swebench render-run" tests="6" failures="2" errors="0" skipped="1" time="6\.500">/);
  });

  it.runIf(xmllintAvailable())('is well-formed XML (xmllint), with the figures an XPath reader sees', () => {
    const xml = renderJunit(report);
    expect(xmlError(xml)).toBeNull();
    expect(xpath(xml, 'count(//testsuite)')).toBe('2');
    expect(xpath(xml, 'count(//testcase)')).toBe('6');
    expect(xpath(xml, 'count(//testcase[failure])')).toBe('2');
    expect(xpath(xml, 'string(//testsuite[@name="h1__m"]/testcase[@name="r__c-3"]/failure/@message)')).toBe('infra_error: container died');
    expect(xpath(xml, 'string(//testsuite[@name="h1__m"]/@failures)')).toBe('2');
    // the checker itself rejects broken XML
    expect(xmlError('<a><b></a>')).not.toBeNull();
  });
});

describe('CI gates', () => {
  // h1: 1/3 resolved, 1 infra error; h2: 2/3 resolved, 0 infra errors.
  it('--fail-under exits 5 when any group is under the rate', () => {
    expect(applyCiGates(report, { failUnder: 0.3 })).toEqual({ exitCode: 0, failures: [] });
    const r = applyCiGates(report, { failUnder: 0.5 });
    expect(r.exitCode).toBe(5);
    expect(r.failures).toEqual(['h1__m: resolve rate 33.3% is under --fail-under 50.0%']);
    expect(applyCiGates({ groups: [] }, { failUnder: 0.1 }).exitCode).toBe(5);
  });
  it('--max-infra-errors exits 6, and wins over --fail-under', () => {
    expect(applyCiGates(report, { maxInfraErrors: 1 }).exitCode).toBe(0);
    expect(applyCiGates(report, { maxInfraErrors: 0 })).toEqual({ exitCode: 6, failures: ['1 session(s) with infra errors, more than --max-infra-errors 0'] });
    const both = applyCiGates(report, { maxInfraErrors: 0, failUnder: 0.9 });
    expect(both.exitCode).toBe(6);
    expect(both.failures).toHaveLength(3);
  });
  it('parseRate takes a fraction or a percentage, and nothing else', () => {
    expect(parseRate('0.4')).toBe(0.4);
    expect(parseRate('40%')).toBe(0.4);
    expect(parseRate('.5')).toBe(0.5);
    for (const bad of ['1.5', '-0.1', 'abc', '', '140%']) expect(() => parseRate(bad), bad).toThrow(/--fail-under: expected a rate/);
  });
});
