// `swebench report | compare | merge` through the built CLI (bin/swebench → dist) on synthetic run directories:
// stdout/stderr discipline, --out, --junit, exit codes of the CI gates, errors. Build first: npm run build.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/built.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { buildRunDir, type SesSpec } from '../helpers/run-dir.js';
import { xmlError, xmllintAvailable } from '../helpers/xml.js';

const BIN = path.join(REPO_ROOT, 'bin/swebench');
let tmp = '';
let run = '';

function cli(args: string[]) {
  return execa('node', [BIN, ...args], { cwd: tmp, reject: false, stripFinalNewline: false, env: { NO_COLOR: '1', CI: 'true' } });
}

const ids = ['e2e__a-1', 'e2e__b-2', 'e2e__c-3', 'e2e__d-4'];
const sessions: SesSpec[] = [
  { instance_id: ids[0]!, resolved: true },
  { instance_id: ids[1]!, resolved: true },
  { instance_id: ids[2]!, status: 'FAILED', error_class: 'early_exit_text_only', error: 'text only', patch: '' },
  { instance_id: ids[3]!, status: 'ERROR', error_class: 'infra_error', error: 'container died', patch: '' },
];

beforeAll(() => {
  assertBuilt();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'swebench-e2e-report-'));
  run = buildRunDir({ runId: 'nightly', instanceIds: ids, sessions }, tmp, 'nightly');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('swebench report', () => {
  it('--json prints only the report on stdout', async () => {
    const r = await cli(['report', run, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ schema_version: 1, kind: 'swebench-report', run: { run_id: 'nightly', tasks: 4 } });
    // 2 of 4 resolved; 1 infra error → 2/3 excluding infra
    expect(report.groups[0]).toMatchObject({ key: 'noop__oracle', resolved: 2, resolve_rate: 0.5, infra_errors: 1, empty_patches: 2 });
    expect(report.groups[0].resolve_rate_excluding_infra).toBeCloseTo(2 / 3, 14);
    expect(report.groups[0].official.resolved_ids).toEqual([ids[0], ids[1]]);
  });

  it('prints a table by default and writes any format to --out', async () => {
    const table = await cli(['report', run]);
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toMatch(/^run nightly: 4 task\(s\), 4 session\(s\)/);
    expect(table.stdout).not.toContain('\x1b[');
    const md = await cli(['report', run, '--format', 'markdown', '--out', 'out/report.md']);
    expect(md.exitCode, md.stderr).toBe(0);
    expect(md.stdout).toBe('');
    expect(readFileSync(path.join(tmp, 'out/report.md'), 'utf8')).toContain('## SWE-bench run `nightly`');
  });

  it('--format html --out makes the links relative to the page and writes the viewer pages next to it', async () => {
    const r = await cli(['report', run, '--format', 'html', '--out', 'pages/deep/report.html']);
    expect(r.exitCode, r.stderr).toBe(0);
    const page = path.join(tmp, 'pages/deep/report.html');
    const html = readFileSync(page, 'utf8');
    const hrefs = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!).filter((h) => !h.startsWith('data:'));
    expect(hrefs.some((h) => /^\.\.\/\.\.\/nightly\/rollout_results\//.test(h))).toBe(true);
    expect(hrefs.filter((h) => /^sessions\/ses_[0-9a-f]{16}\.html$/.test(h)).length).toBeGreaterThanOrEqual(4);
    for (const h of hrefs) expect(existsSync(path.resolve(path.dirname(page), decodeURIComponent(h))), h).toBe(true);
  });

  it('--fail-under and --max-infra-errors set distinct exit codes', async () => {
    expect((await cli(['report', run, '--json', '--fail-under', '0.5'])).exitCode).toBe(0);
    const under = await cli(['report', run, '--json', '--fail-under', '60%']);
    expect(under.exitCode).toBe(5);
    expect(under.stderr).toContain('noop__oracle: resolve rate 50.0% is under --fail-under 60.0%');
    expect(JSON.parse(under.stdout).kind).toBe('swebench-report'); // the report is still printed
    expect((await cli(['report', run, '--max-infra-errors', '1'])).exitCode).toBe(0);
    const infra = await cli(['report', run, '--max-infra-errors', '0', '--fail-under', '0.9']);
    expect(infra.exitCode).toBe(6);
    expect(infra.stderr).toContain('1 session(s) with infra errors, more than --max-infra-errors 0');
  });

  it('--junit writes well-formed JUnit XML next to the chosen format', async () => {
    const r = await cli(['report', run, '--junit', 'junit/report.xml']);
    expect(r.exitCode, r.stderr).toBe(0);
    const xml = readFileSync(path.join(tmp, 'junit/report.xml'), 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml).toContain('<failure message="infra_error: container died" type="infra_error">');
    if (xmllintAvailable()) expect(xmlError(xml)).toBeNull();
  });

  it('bad input exits 2 with a hint', async () => {
    const fmt = await cli(['report', run, '--format', 'yaml']);
    expect(fmt.exitCode).toBe(2);
    expect(fmt.stderr).toMatch(/error: --format: unknown report format "yaml"\nhint: Valid formats: table, json, markdown, csv, html, junit\./);
    const missing = await cli(['report', path.join(tmp, 'nope')]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('run directory not found');
    expect((await cli(['report', run, '--fail-under', '2'])).exitCode).toBe(2);
    expect((await cli(['report', run, '--max-infra-errors', '-1'])).exitCode).toBe(2);
  });
});

describe('swebench compare and merge', () => {
  it('compare lists the differing instances; --fail-on-regression against a baseline exits 5', async () => {
    const base = buildRunDir({ runId: 'base', instanceIds: ids, sessions: ids.map((i) => ({ instance_id: i, resolved: true })) }, tmp, 'base');
    const r = await cli(['compare', base, run, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const cmp = JSON.parse(r.stdout);
    expect(cmp.pairs[0]).toMatchObject({ lost: 2, gained: 0, lost_ids: [ids[2], ids[3]], mcnemar_p: 0.5 }); // 2·(1/4)
    const gate = await cli(['compare', run, '--baseline', base, '--fail-on-regression', 'any']);
    expect(gate.exitCode).toBe(5);
    expect(gate.stdout).toContain(`regressions (resolved by the baseline, not now): ${ids[2]}, ${ids[3]}`);
    expect((await cli(['compare', run, '--baseline', base, '--fail-on-regression'])).exitCode).toBe(0); // p = .5: noise
  });

  it('compare refuses different task sets unless --intersect', async () => {
    const other = buildRunDir({ runId: 'other', sessions: [{ instance_id: ids[0]!, resolved: true }, { instance_id: 'x__x-9' }] }, tmp, 'other');
    const r = await cli(['compare', run, other]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('hint: Add --intersect to compare on the 1 shared instances.');
    const ok = await cli(['compare', run, other, '--intersect', '--format', 'markdown']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Compared on 1 shared instance(s)');
  });

  it('merge unions shards, then report reads the merged run', async () => {
    const s1 = buildRunDir({ runId: 's1', instanceIds: ids.slice(0, 2), config: { shard: '1/2' }, sessions: sessions.slice(0, 2) }, tmp, 's1');
    const s2 = buildRunDir({ runId: 's2', instanceIds: ids.slice(2), config: { shard: '2/2' }, sessions: sessions.slice(2) }, tmp, 's2');
    const m = await cli(['merge', s1, s2, '--out', 'merged', '--json']);
    expect(m.exitCode, m.stderr).toBe(0);
    expect(JSON.parse(m.stdout)).toEqual({ dir: 'merged', sessions: 4, instances: 4 });
    const merged = JSON.parse((await cli(['report', 'merged', '--json'])).stdout);
    const whole = JSON.parse((await cli(['report', run, '--json'])).stdout);
    expect(merged.groups[0].official).toEqual(whole.groups[0].official);
    const again = await cli(['merge', s1, s2, '--out', 'merged']);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('is not empty');
    const overlap = await cli(['merge', s1, s1, '--out', 'merged2']);
    expect(overlap.exitCode).toBe(2);
    expect(overlap.stderr).toContain('the shards overlap');
  });
});

describe('configs/github-actions-nightly.yml', () => {
  it('uses only commands and flags the CLI has, and shards the matrix as SHARDS says', async () => {
    const { parse } = await import('yaml');
    const text = readFileSync(path.join(REPO_ROOT, 'configs/github-actions-nightly.yml'), 'utf8');
    const wf = parse(text) as { env: { SHARDS: number }; jobs: { shard: { strategy: { matrix: { shard: number[] } } } } };
    expect(wf.jobs.shard.strategy.matrix.shard).toEqual(Array.from({ length: wf.env.SHARDS }, (_, i) => i + 1));
    const calls = [...text.replace(/>-\n\s+/g, '').replace(/\n\s{10}(?=--)/g, ' ').matchAll(/node bin\/swebench (\w+)([^\n]*)/g)];
    expect(new Set(calls.map((c) => c[1]))).toEqual(new Set(['submit', 'merge', 'report', 'compare']));
    expect(calls.find((c) => c[1] === 'submit')![2]).toContain('--shard');
    for (const [, cmd, rest] of calls) {
      const help = (await cli([cmd!, '--help'])).stdout;
      for (const flag of rest!.match(/--[a-z][a-z-]*/g) ?? []) expect(help, `${cmd} ${flag}`).toContain(flag);
    }
  });
});
