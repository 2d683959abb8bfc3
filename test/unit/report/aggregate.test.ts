// Every figure of the report on a synthetic run directory, against expectations computed by hand (in the comments).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { aggregateRun } from '../../../src/report/aggregate.js';
import { loadRun } from '../../../src/report/run-dir.js';
import type { GroupReport, RunReport } from '../../../src/report/types.js';
import { buildRunDir, makeSes, type SesSpec } from '../../helpers/run-dir.js';

const [A, B, C, D, E] = ['repo__a-1', 'repo__b-2', 'repo__c-3', 'repo__d-4', 'repo__e-5'] as const;
const dirs: string[] = [];
const build = (...args: Parameters<typeof buildRunDir>) => {
  const dir = buildRunDir(...args);
  dirs.push(path.dirname(dir));
  return dir;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// alpha × m1, one sample per task.
const ALPHA: SesSpec[] = [
  { instance_id: A, harness: 'alpha', model: 'm1', resolved: true, run_ms: 1000, record_count: 4, usage: { prompt_tokens: 100, completion_tokens: 10 } },
  { instance_id: B, harness: 'alpha', model: 'm1', resolved: false, run_ms: 3000, record_count: 6, usage: { prompt_tokens: 200, completion_tokens: 20 } },
  { instance_id: C, harness: 'alpha', model: 'm1', status: 'FAILED', error_class: 'early_exit_text_only', patch: '', run_ms: 500, record_count: 1, usage: { prompt_tokens: 50, completion_tokens: 5 } },
  { instance_id: D, harness: 'alpha', model: 'm1', status: 'ERROR', error_class: 'infra_error', patch: '', run_ms: 200, record_count: 0, usage: { prompt_tokens: 0, completion_tokens: 0 } },
  { instance_id: E, harness: 'alpha', model: 'm1', status: 'ERROR', error_class: 'eval_timeout', run_ms: 4000, record_count: 3, usage: { prompt_tokens: 300, completion_tokens: 30 } },
];
// beta × m1, three samples per task; E never ran.
const b = (id: string, sample: number, extra: Partial<SesSpec> = {}): SesSpec => ({ instance_id: id, harness: 'beta', model: 'm1', sample_index: sample, ...extra });
const BETA: SesSpec[] = [
  b(A, 0, { resolved: true, run_ms: 2000 }), b(A, 1, { resolved: true }), b(A, 2),
  b(B, 0), b(B, 1), b(B, 2, { status: 'ERROR', error_class: 'infra_error', patch: '' }),
  b(C, 0, { resolved: true }), b(C, 1, { resolved: true }), b(C, 2, { resolved: true, run_ms: 5000 }),
  b(D, 0), b(D, 1), b(D, 2, { status: 'CANCELLED', patch: '' }),
];

describe('aggregateRun on a hand-built run (2 harnesses, 5 tasks, 1 and 3 samples)', () => {
  let report: RunReport;
  let alpha: GroupReport;
  let beta: GroupReport;
  beforeAll(async () => {
    const dir = build({ runId: 'golden', instanceIds: [A, B, C, D, E], sessions: [...BETA, ...ALPHA] });
    report = aggregateRun(await loadRun(dir));
    [alpha, beta] = report.groups as [GroupReport, GroupReport];
  });

  it('has the run header and groups sorted by harness', () => {
    expect(report.schema_version).toBe(1);
    expect(report.kind).toBe('swebench-report');
    expect(report.run).toMatchObject({ run_id: 'golden', task_set_source: 'run.json', tasks: 5, started_at: '2026-01-01T00:00:00.000Z' });
    expect(report.groups.map((g) => g.key)).toEqual(['alpha__m1', 'beta__m1']);
    // 5 + 12 sessions; resolved 1 + 5; infra 2 + 1; empty patches 2 + 1 (a CANCELLED session generated nothing)
    expect(report.totals).toEqual({ planned_sessions: 20, sessions: 17, resolved: 6, infra_errors: 3, empty_patches: 3 });
  });

  it('alpha: rates over all tasks and excluding infra, pass@1, counts', () => {
    expect(alpha).toMatchObject({
      harness: 'alpha', harness_version: '1.0.0', model: 'm1', upstream_model: 'm1-upstream',
      tasks: 5, num_samples: 1, planned_sessions: 5, sessions: 5, resolved: 1, resolved_tasks: 1,
      resolve_rate: 0.2, // 1/5
      infra_errors: 2, // D infra_error + E eval_timeout
      empty_patches: 2, // C, D
      pass_at_k: { '1': 0.2 }, // mean over tasks of c/n = (1+0+0+0+0)/5
    });
    expect(alpha.resolve_rate_excluding_infra).toBeCloseTo(1 / 3, 14); // 1 / (5 − 2)
    expect(alpha.resolve_rate_ci95.low).toBeCloseTo(0.03622410863243014, 12); // Wilson 1/5
    expect(alpha.resolve_rate_ci95.high).toBeCloseTo(0.6244653702374747, 12);
    expect(alpha.resolve_rate_excluding_infra_ci95!.low).toBeCloseTo(0.06149194472039621, 12); // Wilson 1/3
    expect(alpha.statuses).toEqual({ COMPLETED: 2, FAILED: 1, TIMEOUT: 0, ERROR: 2, CANCELLED: 0 });
    expect(alpha.error_classes).toEqual({
      no_completions: 0, early_exit_text_only: 1, agent_crash: 0, agent_timeout: 0, idle_timeout: 0, completion_cap: 0,
      context_length_exceeded: 0, upstream_error: 0, patch_apply_failed: 0, eval_error: 0, eval_timeout: 1, infra_error: 1, none: 2,
    });
  });

  it('alpha: time, completions and tokens', () => {
    // run_ms sorted [200, 500, 1000, 3000, 4000]: median 1000; p90 at pos 3.6 → 3000 + .6·1000 = 3600; mean 8700/5
    expect(alpha.session_time_ms).toEqual({ count: 5, min: 200, median: 1000, p90: 3600, max: 4000, mean: 1740, total: 8700 });
    // record_count sorted [0, 1, 3, 4, 6]: median 3; p90 at pos 3.6 → 4 + .6·2 = 5.2; total 14
    expect(alpha.completions_per_session.median).toBe(3);
    expect(alpha.completions_per_session.p90).toBeCloseTo(5.2, 12);
    expect(alpha.completions_per_session.total).toBe(14);
    // prompt 100+200+50+0+300, completion 10+20+5+0+30
    expect(alpha.usage).toEqual({ prompt_tokens: 650, completion_tokens: 65, total_tokens: 715 });
  });

  it('alpha: the official summary (A resolved, B unresolved, C/D empty patch, E eval timeout → error)', () => {
    expect(alpha.official).toEqual({
      total_instances: 5, submitted_instances: 5, completed_instances: 2, resolved_instances: 1, unresolved_instances: 1,
      empty_patch_instances: 2, error_instances: 1,
      completed_ids: [A, B], incomplete_ids: [], empty_patch_ids: [C, D], submitted_ids: [A, B, C, D, E],
      resolved_ids: [A], unresolved_ids: [B], error_ids: [E], schema_version: 2,
    });
  });

  it('beta: three samples, a cancelled one, an unsampled task; pass@1 and pass@2', () => {
    expect(beta).toMatchObject({
      tasks: 5, num_samples: 3, planned_sessions: 15, sessions: 12,
      resolved: 5, // A×2 + C×3
      resolved_tasks: 2, // A, C
      infra_errors: 1, // B sample 2
      empty_patches: 1, // B#2 (D#2 was cancelled before its patch was extracted)
      not_run_sessions: 4, // D#2 cancelled, E×3 never ran
    });
    expect(beta.resolve_rate).toBeCloseTo(1 / 3, 14); // 5/15
    expect(beta.resolve_rate_excluding_infra).toBeCloseTo(5 / 14, 14); // 5/(15−1)
    expect(beta.resolve_rate_ci95.low).toBeCloseTo(0.1517632443971473, 12); // Wilson 5/15
    expect(beta.resolve_rate_excluding_infra_ci95!.high).toBeCloseTo(0.612355768960926, 12); // Wilson 5/14
    // Non-cancelled samples: A n=3 c=2, B n=3 c=0, C n=3 c=3, D n=2 c=0, E n=0 → kmax = 2.
    // pass@1 = (2/3 + 0 + 1 + 0 + 0)/5 = 1/3; pass@2: A 1 − C(1,2)/C(3,2) = 1, B 0, C 1, D 0, E 0 → 2/5
    expect(Object.keys(beta.pass_at_k)).toEqual(['1', '2']);
    expect(beta.pass_at_k['1']).toBeCloseTo(1 / 3, 14);
    expect(beta.pass_at_k['2']).toBeCloseTo(0.4, 14);
    expect(beta.statuses).toEqual({ COMPLETED: 10, FAILED: 0, TIMEOUT: 0, ERROR: 1, CANCELLED: 1 });
    expect(beta.error_classes.none).toBe(11);
    expect(beta.error_classes.infra_error).toBe(1);
    // run_ms: 10 × 1000, 2000, 5000 → median (pos 5.5) 1000; p90 (pos 9.9) 1000 + .9·1000 = 1900
    expect(beta.session_time_ms.median).toBe(1000);
    expect(beta.session_time_ms.p90).toBeCloseTo(1900, 9);
    expect(beta.session_time_ms.mean).toBeCloseTo(17000 / 12, 9);
    expect(beta.completions_per_session).toMatchObject({ median: 2, p90: 2, total: 24 });
    expect(beta.usage).toEqual({ prompt_tokens: 1200, completion_tokens: 120, total_tokens: 1320 });
  });

  it('beta: the official summary uses each instance\'s sample 0 (E has none → incomplete)', () => {
    expect(beta.official).toMatchObject({
      total_instances: 5, submitted_instances: 4, completed_instances: 4, resolved_instances: 2, unresolved_instances: 2,
      empty_patch_instances: 0, error_instances: 0, incomplete_ids: [E], resolved_ids: [A, C], unresolved_ids: [B, D],
    });
  });

  it('the instance grid and the session list', () => {
    const cells = Object.fromEntries(report.instances.map((i) => [i.instance_id, i.cells]));
    expect(report.instances.map((i) => i.instance_id)).toEqual([A, B, C, D, E]);
    expect(cells[A]).toEqual({ alpha__m1: { samples: 1, resolved: 1, outcome: 'resolved' }, beta__m1: { samples: 3, resolved: 2, outcome: 'resolved' } });
    expect(cells[B]).toEqual({ alpha__m1: { samples: 1, resolved: 0, outcome: 'unresolved' }, beta__m1: { samples: 3, resolved: 0, outcome: 'error' } });
    expect(cells[C]!.alpha__m1!.outcome).toBe('unresolved'); // early exit is the agent's failure, not an error
    expect(cells[D]).toEqual({ alpha__m1: { samples: 1, resolved: 0, outcome: 'error' }, beta__m1: { samples: 2, resolved: 0, outcome: 'unresolved' } });
    expect(cells[E]).toEqual({ alpha__m1: { samples: 1, resolved: 0, outcome: 'error' }, beta__m1: { samples: 0, resolved: 0, outcome: 'missing' } });
    expect(report.sessions).toHaveLength(17);
    expect(report.sessions.slice(0, 5).map((s) => s.instance_id)).toEqual([A, B, C, D, E]);
    expect(report.sessions.slice(5, 8).map((s) => `${s.instance_id}#${s.sample_index}`)).toEqual([`${A}#0`, `${A}#1`, `${A}#2`]);
    const d = report.sessions[3]!;
    expect(d).toMatchObject({ group: 'alpha__m1', status: 'ERROR', error_class: 'infra_error', error: 'infra error', empty_patch: true, resolved: false });
    expect(d.file).toBe(`rollout_results/task_${D}/ses_${d.session_id}.json`);
  });
});

describe('official summary edge cases', () => {
  it('a session whose patch was never extracted has no prediction (incomplete), like a cancelled one', async () => {
    const dir = build({
      instanceIds: ['o__a-1', 'o__b-2', 'o__c-3', 'o__d-4'],
      sessions: [
        { instance_id: 'o__a-1', status: 'ERROR', error_class: 'infra_error', patch: '', patch_extracted: false },
        { instance_id: 'o__b-2', status: 'ERROR', error_class: 'infra_error', patch: '', patch_extracted: true },
        { instance_id: 'o__c-3', status: 'CANCELLED', patch: '' },
        { instance_id: 'o__d-4', status: 'FAILED', error_class: 'patch_apply_failed' },
      ],
    });
    const official = aggregateRun(await loadRun(dir)).groups[0]!.official;
    expect(official).toMatchObject({
      total_instances: 4, submitted_instances: 2, completed_instances: 0, empty_patch_instances: 1, error_instances: 1,
      incomplete_ids: ['o__a-1', 'o__c-3'], empty_patch_ids: ['o__b-2'], error_ids: ['o__d-4'],
    });
  });
});

describe('loadRun validates at the edge', () => {
  it('falls back to the ses files for the task set when run.json is missing', async () => {
    const dir = build({ runJson: false, sessions: [{ instance_id: 'z__z-1', resolved: true }, { instance_id: 'a__a-1' }] });
    const run = await loadRun(dir);
    expect(run.taskSetSource).toBe('ses_files');
    expect(run.instanceIds).toEqual(['a__a-1', 'z__z-1']);
    expect(aggregateRun(run).groups[0]!.resolve_rate).toBe(0.5);
  });

  it('names the file and field of a broken ses file', async () => {
    const dir = build({ sessions: [{ instance_id: 'x__x-1', session_id: '00000000000bad01' }] });
    const file = path.join(dir, 'rollout_results/task_x__x-1/ses_00000000000bad01.json');
    const ses = makeSes({ instance_id: 'x__x-1', session_id: '00000000000bad01' }) as unknown as Record<string, unknown>;
    ses.status = 'DONE';
    writeFileSync(file, JSON.stringify(ses));
    const err = await loadRun(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(/field "status".*string "DONE"/);
    writeFileSync(file, '{"schema_version": 1,');
    await expect(loadRun(dir)).rejects.toThrow(/ses_00000000000bad01\.json: invalid JSON/);
  });

  it('rejects a ses file in the wrong place, a duplicate session, and an instance outside run.json', async () => {
    const dir = build({ sessions: [{ instance_id: 'x__x-1', session_id: 'aaaaaaaaaaaaaa01' }] });
    mkdirSync(path.join(dir, 'rollout_results/task_y__y-1'));
    writeFileSync(path.join(dir, 'rollout_results/task_y__y-1/ses_aaaaaaaaaaaaaa01.json'), JSON.stringify(makeSes({ instance_id: 'x__x-1', session_id: 'aaaaaaaaaaaaaa01' })));
    await expect(loadRun(dir)).rejects.toThrow(/do not match the file's place \(task_y__y-1\/ses_aaaaaaaaaaaaaa01.json\)/);
    rmSync(path.join(dir, 'rollout_results/task_y__y-1'), { recursive: true });

    writeFileSync(path.join(dir, 'rollout_results/task_x__x-1/ses_aaaaaaaaaaaaaa02.json'), JSON.stringify(makeSes({ instance_id: 'x__x-1', session_id: 'aaaaaaaaaaaaaa02' })));
    await expect(loadRun(dir)).rejects.toThrow(/two ses files for harness noop, model oracle, instance x__x-1, sample 0/);
    rmSync(path.join(dir, 'rollout_results/task_x__x-1/ses_aaaaaaaaaaaaaa02.json'));

    mkdirSync(path.join(dir, 'rollout_results/task_w__w-1'));
    writeFileSync(path.join(dir, 'rollout_results/task_w__w-1/ses_aaaaaaaaaaaaaa03.json'), JSON.stringify(makeSes({ instance_id: 'w__w-1', session_id: 'aaaaaaaaaaaaaa03' })));
    await expect(loadRun(dir)).rejects.toThrow(/"w__w-1", which is not in run.json's instance_ids/);
  });

  it('rejects a missing directory and a directory that is not a run', async () => {
    await expect(loadRun('/nonexistent/run')).rejects.toThrow(/run directory not found/);
    const dir = build({ runJson: false, sessions: [] });
    await expect(loadRun(dir)).rejects.toThrow(/is not a run directory/);
  });

  it('rejects a run.json with a bad instance_ids field', async () => {
    const dir = build({ sessions: [{ instance_id: 'x__x-1' }] });
    writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ run_id: 'r', instance_ids: 'x__x-1' }));
    await expect(loadRun(dir)).rejects.toThrow(/run\.json: field "instance_ids"/);
    writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ run_id: 'r', instance_ids: ['x__x-1', 'x__x-1'] }));
    await expect(loadRun(dir)).rejects.toThrow(/"x__x-1" is listed twice/);
  });
});
