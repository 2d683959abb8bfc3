// `report`, `compare`, `merge` and the CI gates on run directories made by real `swebench submit` runs on the fixture
// tasks (real Docker, the gateway, the built-in models, the pyagent test harness and the noop harness):
//   oracle (everything resolves), noop model (nothing does), a chaos mix (two harnesses, chaos faults), an oracle run
//   whose flask evaluation is made to time out (a spec override that sleeps → one eval_timeout infra error, always),
//   and the oracle run again as --shard 1/2 + 2/2.
// Every figure of `report --json` is checked against expectations computed here, straight from the ses files, by
// code that does not use src/report; the official fields against the pipeline's own report.json.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { INFRA_ERROR_CLASSES, SESSION_STATUSES, type SesFile } from '../../src/run/ses-file.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { xmlError, xmllintAvailable, xpath } from '../helpers/xml.js';

const fixturesDir = inject('fixturesDir');
const CLI = path.join(REPO_ROOT, 'bin/swebench');
const PYAGENT = path.join(REPO_ROOT, 'test/fixtures/harnesses/pyagent.mjs');
const OFFICIAL_KEYS = [
  'total_instances', 'submitted_instances', 'completed_instances', 'resolved_instances', 'unresolved_instances', 'empty_patch_instances',
  'error_instances', 'completed_ids', 'incomplete_ids', 'empty_patch_ids', 'submitted_ids', 'resolved_ids', 'unresolved_ids', 'error_ids', 'schema_version',
] as const;

let out = '';
const cli = (args: string[]) => execa('node', [CLI, ...args], { cwd: out, reject: false, env: { CI: 'true', NO_COLOR: '1' } });

async function submit(runId: string, extra: string[]): Promise<string> {
  const r = await cli(['submit', '--harness-file', PYAGENT, '--dataset', path.join(fixturesDir!, 'tasks.jsonl'), '--output-dir', out, '--run-id', runId, '--concurrency', '4', '--timeout', '300', ...extra]);
  expect(r.exitCode, `submit ${runId}: ${r.stderr.slice(-2000)}`).toBe(0);
  return path.join(out, runId);
}

async function reportJson(dir: string, extra: string[] = []) {
  const r = await cli(['report', dir, '--json', ...extra]);
  return { ...r, json: r.stdout ? JSON.parse(r.stdout) : null };
}

/** Every ses file of a run, read directly. */
function sesFiles(dir: string): SesFile[] {
  const root = path.join(dir, 'rollout_results');
  return readdirSync(root).flatMap((t) =>
    readdirSync(path.join(root, t))
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(path.join(root, t, f), 'utf8')) as SesFile),
  );
}

/** Linear-interpolation quantile, written out independently of src/report/stats.ts. */
function q(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * p;
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (pos - lo);
}

/** The figures `report --json` must show for one harness × model, from first principles. */
function expected(all: SesFile[], key: string, tasks: string[]) {
  const mine = all.filter((s) => `${s.harness.name}__${s.model.name}` === key);
  let samples = 1;
  for (const s of mine) samples = Math.max(samples, s.sample_index + 1);
  const planned = tasks.length * samples;
  let resolved = 0, infra = 0, empty = 0, prompt = 0, completion = 0;
  const statuses: Record<string, number> = Object.fromEntries(SESSION_STATUSES.map((k) => [k, 0]));
  const classes: Record<string, number> = {};
  for (const s of mine) {
    if (s.resolved) resolved++;
    if (s.error_class && INFRA_ERROR_CLASSES.has(s.error_class)) infra++;
    if (s.patch_extracted && s.patch === '') empty++;
    prompt += s.usage.prompt_tokens;
    completion += s.usage.completion_tokens;
    statuses[s.status]!++;
    const c = s.error_class ?? 'none';
    classes[c] = (classes[c] ?? 0) + 1;
  }
  let pass1 = 0;
  for (const t of tasks) {
    const ran = mine.filter((s) => s.instance_id === t && s.status !== 'CANCELLED');
    if (ran.length > 0) pass1 += ran.filter((s) => s.resolved).length / ran.length;
  }
  const times = mine.map((s) => s.run_ms);
  const completions = mine.map((s) => s.record_count);
  return {
    sessions: mine.length, tasks: tasks.length, num_samples: samples, planned_sessions: planned, resolved,
    resolve_rate: resolved / planned, infra_errors: infra, resolve_rate_excluding_infra: planned - infra > 0 ? resolved / (planned - infra) : null,
    pass_at_1: pass1 / tasks.length, empty_patches: empty, statuses, classes,
    time: { median: q(times, 0.5), p90: q(times, 0.9), total: times.reduce((a, b) => a + b, 0) },
    completions: { median: q(completions, 0.5), p90: q(completions, 0.9), total: completions.reduce((a, b) => a + b, 0) },
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  };
}

/** Checks every figure of `report --json` against `expected` and the official fields against the pipeline's report.json. */
function checkEveryFigure(dir: string, report: any): void {
  const all = sesFiles(dir);
  const tasks: string[] = report.run.task_set_source === 'run.json'
    ? JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')).instance_ids
    : [...new Set(all.map((s) => s.instance_id))].sort();
  const keys = [...new Set(all.map((s) => `${s.harness.name}__${s.model.name}`))].sort();
  expect(report.groups.map((g: any) => g.key)).toEqual(keys);
  const pipeline = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
  for (const g of report.groups) {
    const e = expected(all, g.key, tasks);
    expect(g.sessions, g.key).toBe(e.sessions);
    expect(g.tasks).toBe(e.tasks);
    expect(g.num_samples).toBe(e.num_samples);
    expect(g.planned_sessions).toBe(e.planned_sessions);
    expect(g.resolved).toBe(e.resolved);
    expect(g.resolve_rate).toBeCloseTo(e.resolve_rate, 12);
    expect(g.infra_errors).toBe(e.infra_errors);
    if (e.resolve_rate_excluding_infra === null) expect(g.resolve_rate_excluding_infra).toBeNull();
    else expect(g.resolve_rate_excluding_infra).toBeCloseTo(e.resolve_rate_excluding_infra, 12);
    expect(g.pass_at_k['1']).toBeCloseTo(e.pass_at_1, 12);
    expect(g.empty_patches).toBe(e.empty_patches);
    expect(g.statuses).toEqual(e.statuses);
    for (const [cls, n] of Object.entries(g.error_classes)) expect(n, `${g.key} ${cls}`).toBe(e.classes[cls] ?? 0);
    expect(g.session_time_ms.median).toBeCloseTo(e.time.median!, 9);
    expect(g.session_time_ms.p90).toBeCloseTo(e.time.p90!, 9);
    expect(g.session_time_ms.total).toBe(e.time.total);
    expect(g.completions_per_session.median).toBeCloseTo(e.completions.median!, 9);
    expect(g.completions_per_session.p90).toBeCloseTo(e.completions.p90!, 9);
    expect(g.completions_per_session.total).toBe(e.completions.total);
    expect(g.usage).toEqual(e.usage);
    // The official summary fields, from first principles over the sample-0 sessions.
    const first = all.filter((s) => `${s.harness.name}__${s.model.name}` === g.key && s.sample_index === 0);
    for (const k of OFFICIAL_KEYS) expect(g.official, `${g.key} official`).toHaveProperty(k);
    expect(g.official.total_instances).toBe(tasks.length);
    expect(g.official.resolved_ids).toEqual(first.filter((s) => s.resolved).map((s) => s.instance_id).sort());
    expect(g.official.empty_patch_ids).toEqual(first.filter((s) => s.patch_extracted && s.patch === '').map((s) => s.instance_id).sort());
    // report.json is the same report model: the pipeline wrote exactly these figures.
    expect(pipeline.groups.find((x: { key: string }) => x.key === g.key), `report.json group ${g.key}`).toEqual(g);
  }
  expect(report.sessions).toHaveLength(all.length);
}

describe.skipIf(!fixturesDir)('report / compare / merge on real submit runs (fixtures, real Docker)', () => {
  let ids: string[];
  let oracle = '';
  let noop = '';
  let mix = '';
  let slow = '';
  let shard1 = '';
  let shard2 = '';
  let slowSpecs = '';

  beforeAll(async () => {
    out = mkdtempSync(path.join(os.tmpdir(), 'swebench-report-submit-'));
    ids = readFileSync(path.join(fixturesDir!, 'tasks.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).instance_id as string);
    oracle = await submit('oracle', ['--harness', 'pyagent', '--model', 'oracle']);
    noop = await submit('noop', ['--harness', 'pyagent', '--model', 'noop']);
    mix = await submit('mix', ['--harness', 'pyagent,noop', '--model', 'chaos', '--chaos-seed', '11']);
    slowSpecs = path.join(out, 'slow-flask.yaml');
    writeFileSync(slowSpecs, 'pallets/flask:\n  test_cmd: sleep 120; pytest -rA\n');
    slow = await submit('slow', ['--harness', 'pyagent', '--model', 'oracle', '--specs', slowSpecs, '--eval-timeout', '10']);
    shard1 = await submit('shard1', ['--harness', 'pyagent', '--model', 'oracle', '--shard', '1/2']);
    shard2 = await submit('shard2', ['--harness', 'pyagent', '--model', 'oracle', '--shard', '2/2']);
  });
  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('oracle: every figure matches the ses files, and everything is resolved', async () => {
    const r = await reportJson(oracle);
    expect(r.exitCode, r.stderr).toBe(0);
    checkEveryFigure(oracle, r.json);
    const g = r.json.groups[0];
    expect(g).toMatchObject({ harness: 'pyagent', tasks: ids.length, resolved: ids.length, resolve_rate: 1, infra_errors: 0, empty_patches: 0 });
    expect(g.official.resolved_ids).toEqual([...ids].sort());
  });

  it('noop model: every figure matches, nothing resolved, every patch empty', async () => {
    const r = await reportJson(noop);
    checkEveryFigure(noop, r.json);
    const g = r.json.groups[0];
    expect(g).toMatchObject({ resolved: 0, resolve_rate: 0, empty_patches: ids.length });
    expect(g.error_classes.early_exit_text_only).toBe(ids.length);
    expect(g.official.empty_patch_instances).toBe(ids.length);
  });

  it('chaos mix of two harnesses: every figure matches the ses files', async () => {
    const r = await reportJson(mix);
    checkEveryFigure(mix, r.json);
    expect(r.json.groups.map((g: any) => g.harness)).toEqual(['noop', 'pyagent']);
    const classes = new Set(sesFiles(mix).map((s) => s.error_class));
    expect(classes.size, `error classes seen: ${[...classes].join(', ')}`).toBeGreaterThanOrEqual(2);
    expect(r.json.groups[0].error_classes.no_completions).toBe(ids.length); // the noop harness never calls the model
  });

  it('an evaluation that times out is an infra error: excluded from the second rate', async () => {
    const r = await reportJson(slow);
    checkEveryFigure(slow, r.json);
    const g = r.json.groups[0];
    // 8 tasks, flask's evaluation sleeps past --eval-timeout: 7 resolved, 1 eval_timeout → 7/8 and 7/7
    expect(g).toMatchObject({ resolved: ids.length - 1, infra_errors: 1, resolve_rate_excluding_infra: 1 });
    expect(g.error_classes.eval_timeout).toBe(1);
    expect(g.official.error_ids).toEqual(['fixtures__flask-1']);
  });

  it('--fail-under and --max-infra-errors exit codes on real runs', async () => {
    expect((await reportJson(oracle, ['--fail-under', '1'])).exitCode).toBe(0);
    const under = await reportJson(noop, ['--fail-under', '0.5']);
    expect(under.exitCode, under.stderr).toBe(5);
    expect(under.stderr).toContain('resolve rate 0.0% is under --fail-under 50.0%');
    expect((await reportJson(slow, ['--max-infra-errors', '1'])).exitCode).toBe(0);
    const over = await reportJson(slow, ['--max-infra-errors', '0']);
    expect(over.exitCode, over.stderr).toBe(6);
    expect(over.stderr).toContain('1 session(s) with infra errors, more than --max-infra-errors 0');
    expect(JSON.parse(over.stdout).kind).toBe('swebench-report');
  });

  it('submit itself gates: --fail-under → exit 5, --max-infra-errors → exit 6, --junit written; run.json lists the task set', async () => {
    const base = ['submit', '--harness-file', PYAGENT, '--dataset', path.join(fixturesDir!, 'tasks.jsonl'), '--output-dir', out,
      '--harness', 'pyagent', '--concurrency', '4', '--timeout', '300', '--max-tasks', '2'];
    const under = await cli([...base, '--run-id', 'gate-noop', '--model', 'noop', '--fail-under', '50%', '--junit', 'gate.xml']);
    expect(under.exitCode, under.stderr).toBe(5);
    expect(under.stderr).toContain('is under --fail-under 50.0%');
    expect(readFileSync(path.join(out, 'gate.xml'), 'utf8')).toContain('<testcase');
    const ok = await cli([...base, '--run-id', 'gate-oracle', '--model', 'oracle', '--fail-under', '1', '--max-infra-errors', '0']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    const infra = await cli([...base, '--run-id', 'gate-slow', '--instance-ids', 'fixtures__flask-1', '--model', 'oracle', '--specs', slowSpecs, '--eval-timeout', '10', '--max-infra-errors', '0']);
    expect(infra.exitCode, infra.stderr).toBe(6);
    const manifest = JSON.parse(readFileSync(path.join(out, 'gate-oracle', 'run.json'), 'utf8'));
    expect(manifest.instance_ids).toEqual(ids.slice(0, 2));
  });

  it.runIf(xmllintAvailable())('--junit is valid XML with one test case per session, failure = error_class: error', async () => {
    for (const dir of [mix, slow]) {
      const r = await cli(['report', dir, '--junit', 'junit.xml', '--format', 'markdown']);
      expect(r.exitCode, r.stderr).toBe(0);
      const xml = readFileSync(path.join(out, 'junit.xml'), 'utf8');
      expect(xmlError(xml)).toBeNull();
      const all = sesFiles(dir);
      expect(Number(xpath(xml, 'count(//testcase)'))).toBe(all.length);
      const failed = all.filter((s) => !s.resolved && s.status !== 'CANCELLED');
      expect(Number(xpath(xml, 'count(//testcase/failure)'))).toBe(failed.length);
      for (const s of failed.filter((x) => x.error_class)) {
        const msg = xpath(xml, `string(//testsuite[@name="${s.harness.name}__${s.model.name}"]/testcase[@name="${s.instance_id}"]/failure/@message)`);
        expect(msg).toBe(`${s.error_class}: ${s.error}`);
      }
    }
  });

  it('compare oracle vs noop lists exactly the differing instances with the McNemar p-value; the baseline gate fails', async () => {
    const r = await cli(['compare', oracle, noop, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout).pairs[0];
    expect(p.lost_ids).toEqual(ids); // resolved by the oracle run only, in task order
    expect(p.gained_ids).toEqual([]);
    expect(p.mcnemar_p).toBeCloseTo(2 / 2 ** ids.length, 14); // b = n, c = 0: 2·C(n,0)/2^n
    expect(p.significant).toBe(true);
    const gate = await cli(['compare', noop, '--baseline', oracle, '--fail-on-regression']);
    expect(gate.exitCode).toBe(5);
    expect(gate.stdout).toContain('regressions (resolved by the baseline, not now)');
    // The pipeline's report.json is accepted too, with the same verdict.
    const viaReportJson = await cli(['compare', path.join(oracle, 'report.json'), path.join(noop, 'report.json'), '--json']);
    expect(viaReportJson.exitCode, viaReportJson.stderr).toBe(0);
    expect(JSON.parse(viaReportJson.stdout).pairs[0].lost_ids).toEqual([...ids].sort());
  });

  it('--shard 1/2 + 2/2 merged report the same resolved ids as the unsharded run', async () => {
    const s1 = sesFiles(shard1).map((s) => s.instance_id);
    const s2 = sesFiles(shard2).map((s) => s.instance_id);
    expect(s1.length + s2.length).toBe(ids.length);
    expect(s1.filter((x) => s2.includes(x))).toEqual([]);
    const m = await cli(['merge', shard1, shard2, '--out', 'merged']);
    expect(m.exitCode, m.stderr).toBe(0);
    const merged = await reportJson(path.join(out, 'merged'));
    const whole = await reportJson(oracle);
    checkEveryFigure(path.join(out, 'merged'), merged.json);
    expect(merged.json.groups[0].official.resolved_ids).toEqual(whole.json.groups[0].official.resolved_ids);
    expect(merged.json.groups[0].official).toEqual(whole.json.groups[0].official);
    const cmp = JSON.parse((await cli(['compare', oracle, path.join(out, 'merged'), '--json'])).stdout);
    expect(cmp.pairs[0]).toMatchObject({ lost: 0, gained: 0, mcnemar_p: 1 });
    // Overlapping shards (a shard merged with the unsharded run) are refused.
    const overlap = await cli(['merge', shard1, oracle, '--out', 'bad']);
    expect(overlap.exitCode).toBe(2);
    expect(overlap.stderr).toMatch(/overlap|different config/);
  });
});
