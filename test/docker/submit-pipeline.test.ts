// The submit pipeline on the fixture tasks in real Docker: the noop harness through the library API (one
// well-formed ses file per session, predictions.jsonl, report.json, no container left), a real agent (the pyagent
// plug-in) against the oracle through the built CLI (every task resolved, artifacts on disk, --resume keeps it
// all), against the noop model (early exit, nothing resolved), and at the completion cap.
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { resolveSubmitConfig } from '../../src/config/load.js';
import { loadTasks } from '../../src/dataset/index.js';
import type { Task } from '../../src/dataset/types.js';
import { EXIT_CODES } from '../../src/errors.js';
import { runSubmit, type SubmitReporter } from '../../src/run/index.js';
import { startFakeUpstream } from '../helpers/fake-upstream.js';
import { groupOf, PYAGENT, readJson, readPredictions, readSesFiles, runContainers, submit } from './submit-helpers.js';

const fixturesDir = inject('fixturesDir');

describe.skipIf(!fixturesDir)('swebench submit on the fixture tasks (real Docker)', () => {
  let out: string;
  let dataset: string;
  let tasks: Task[];

  beforeAll(async () => {
    dataset = path.join(fixturesDir!, 'tasks.jsonl');
    tasks = await loadTasks(dataset);
    out = mkdtempSync(path.join(os.tmpdir(), 'swebench-submit-test-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('noop harness through runSubmit: one well-formed ses file per session, predictions and report, no container left', async () => {
    const events: string[] = [];
    const reporter: SubmitReporter = {
      onRunStart: (i) => events.push(`start ${i.total} ${i.toRun}`),
      onSessionPhase: (s, p) => events.push(`${s.instanceId} ${p}`),
      onSessionDone: (ses) => events.push(`done ${ses.instance_id}`),
    };
    const config = resolveSubmitConfig({ flags: { harness: ['noop'], model: 'oracle', dataset, output_dir: out, run_id: 'noop-lib', concurrency: 4, num_samples: 2, max_tasks: 3 } });
    const summary = await runSubmit(config, { reporter });
    const runDir = path.join(out, 'noop-lib');
    expect(summary.status).toBe('finished');
    expect(summary.run_dir).toBe(runDir);

    const sessions = readSesFiles(runDir);
    expect(sessions).toHaveLength(6);
    expect(new Set(sessions.map((s) => s.session_id)).size).toBe(6);
    expect(sessions.map((s) => `${s.instance_id}#${s.sample_index}`)).toEqual(
      tasks.slice(0, 3).map((t) => t.instance_id).sort().flatMap((id) => [`${id}#0`, `${id}#1`]),
    );
    for (const s of sessions) {
      // the noop harness never calls the gateway: diagnosed, not just failed
      expect(s).toMatchObject({ status: 'FAILED', error: 'no completions', error_class: 'no_completions', record_count: 0, patch: '', exit_code: 0, patch_extracted: true, failed_phase: 'agent' });
      expect(s.diagnosis?.gateway).toMatch(/^harness exited \(code 0\) after \d+\.\d s without calling the gateway$/);
      expect(s.diagnosis?.agent_output_tail).toBe('noop harness: nothing to do');
      expect(s.trajectory.metadata.evaluation.report).toMatchObject({ empty_generation: true, resolved: false });
      expect(s.timings_ms.container_start).toBeGreaterThan(0);
      for (const f of [s.artifacts.records, s.artifacts.agent_log, s.artifacts.patch]) expect(existsSync(path.join(runDir, f)), f).toBe(true);
      expect(readFileSync(path.join(runDir, s.artifacts.agent_log), 'utf8')).toBe('noop harness: nothing to do\n');
    }

    const predictions = readPredictions(runDir);
    expect(predictions).toHaveLength(6);
    expect(new Set(predictions.map((p) => p.session_id))).toEqual(new Set(sessions.map((s) => s.session_id)));
    expect(predictions.every((p) => p.model_name_or_path === 'noop__swebench-oracle' && p.model_patch === '')).toBe(true);

    const report = readJson(path.join(runDir, 'report.json'));
    const { run_dir: _d, status: _s, kept_sessions: _k, ran_sessions: _r, duration_ms: _m, report_path: _rp, predictions_path: _pp, images: _i, ...fromSummary } = summary;
    expect(report).toEqual(fromSummary);
    expect(groupOf(report, 'noop__swebench-oracle')).toMatchObject({
      official: { total_instances: 3, empty_patch_instances: 3, resolved_instances: 0 }, sessions: 6, planned_sessions: 6, not_run_sessions: 0, error_classes: { no_completions: 6 },
    });

    const manifest = readJson(path.join(runDir, 'run.json'));
    expect(manifest).toMatchObject({ status: 'finished', run_id: 'noop-lib', sessions: 6, harnesses: [{ name: 'noop', bundle_dir: null }], model: { name: 'swebench-oracle', source: { kind: 'builtin', policy: 'oracle' } } });
    expect(manifest.finished_at).not.toBeNull();
    expect(events[0]).toBe('start 6 6');
    expect(events.filter((e) => e.startsWith('done'))).toHaveLength(6);
    expect(events).toContain(`${sessions[0]!.instance_id} agent`);
    expect(await runContainers('noop-lib')).toEqual([]);
  });

  it('pyagent + oracle via the built CLI: every task resolved with its artifacts; --resume keeps every finished session', async () => {
    const args = ['--harness', 'pyagent', '--harness-file', PYAGENT, '--model', 'oracle', '--dataset', dataset, '--output-dir', out, '--run-id', 'oracle', '--concurrency', '4', '--json'];
    const r = await submit(args);
    expect(r.exitCode, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    const runDir = path.join(out, 'oracle');
    const sessions = readSesFiles(runDir);
    expect(sessions.map((s) => s.instance_id)).toEqual(tasks.map((t) => t.instance_id).sort());
    for (const s of sessions) {
      const task = tasks.find((t) => t.instance_id === s.instance_id)!;
      expect(s, s.instance_id).toMatchObject({ status: 'COMPLETED', error: null, error_class: null, resolved: true, reward: 1, exit_code: 0, harness: { name: 'pyagent', version: '1.0.0' } });
      expect(s.diagnosis).toBeUndefined();
      expect(s.record_count).toBeGreaterThanOrEqual(2);
      expect(s.usage.total_tokens).toBeGreaterThan(0);
      expect(s.agent_first_request_ms).toBeGreaterThanOrEqual(0);
      // the extracted patch is the gold change (binary and deleted files included), ending in a newline
      expect(s.patch.endsWith('\n')).toBe(true);
      for (const m of task.patch.matchAll(/^diff --git a\/(\S+)/gm)) expect(s.patch, `${s.instance_id} touches ${m[1]}`).toContain(`diff --git a/${m[1]} `);
      expect(readFileSync(path.join(runDir, s.artifacts.patch), 'utf8')).toBe(s.patch);
      expect(s.trajectory.metadata.evaluation.report).toMatchObject({ resolved: true, patch_successfully_applied: true, empty_generation: false });
      expect(s.trajectory.messages.length).toBeGreaterThanOrEqual(3);
      for (const f of ['eval.sh', 'test_output.txt', 'report.json', 'patch.diff']) expect(existsSync(path.join(runDir, s.artifacts.eval_dir!, f)), f).toBe(true);
      const records = readFileSync(path.join(runDir, s.artifacts.records), 'utf8').trim().split('\n');
      expect(records).toHaveLength(s.record_count);
      expect(JSON.parse(records[0]!)).toMatchObject({ session_id: s.session_id, instance_id: s.instance_id });
    }
    expect(sessions.find((s) => s.instance_id === 'fixtures__palette-1')!.patch).toContain('GIT binary patch');
    expect(groupOf(summary, 'pyagent__swebench-oracle')).toMatchObject({ official: { resolved_instances: tasks.length }, resolve_rate: 1, resolve_rate_excluding_infra: 1 });
    expect(readPredictions(runDir).map((p) => p.model_patch).sort()).toEqual(sessions.map((s) => s.patch).sort());
    expect(r.stderr).toMatch(/pyagent__swebench-oracle: 8\/8 resolved \(100\.0%/);

    // the same command again is refused (the directory exists) …
    const again = await submit(args);
    expect(again.exitCode).toBe(EXIT_CODES.config);
    expect(again.stderr).toMatch(/already exists.*\n.*--resume/);
    // … and with --resume alone (stored config) nothing is re-run and nothing is rewritten
    const mtimes = sessions.map((s) => statSync(s.file).mtimeMs);
    const resumed = await submit(['--resume', '--run-id', 'oracle', '--output-dir', out, '--json']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ kept_sessions: 8, ran_sessions: 0, status: 'finished' });
    expect(readSesFiles(runDir).map((s) => statSync(s.file).mtimeMs)).toEqual(mtimes);
    expect(readPredictions(runDir)).toHaveLength(8);
  });

  it('--model replay:<run-dir> re-runs the oracle run from its records: same patches, every task resolved', async () => {
    const r = await submit(['--harness', 'pyagent', '--harness-file', PYAGENT, '--model', `replay:${path.join(out, 'oracle')}`, '--dataset', dataset, '--output-dir', out, '--run-id', 'replay', '--max-tasks', '3']);
    expect(r.exitCode, r.stderr).toBe(0);
    const replayed = readSesFiles(path.join(out, 'replay'));
    const original = new Map(readSesFiles(path.join(out, 'oracle')).map((s) => [s.instance_id, s]));
    expect(replayed).toHaveLength(3);
    for (const s of replayed) {
      expect(s, s.instance_id).toMatchObject({ status: 'COMPLETED', resolved: true, model: { name: 'swebench-replay' } });
      expect(s.patch).toBe(original.get(s.instance_id)!.patch);
    }
    expect(readJson(path.join(out, 'replay/run.json')).model.source).toEqual({ kind: 'builtin', policy: 'replay', replay: path.join(out, 'oracle') });
  });

  it('an upstream server: the key from --upstream-api-key-env reaches it and is written nowhere', async () => {
    const key = `sk-test-${Math.random().toString(36).slice(2)}-SECRET`;
    const upstream = await startFakeUpstream({ apiKey: key, models: ['served-model'] });
    try {
      const r = await submit(
        ['--harness', 'pyagent', '--harness-file', PYAGENT, '--upstream', `${upstream.url}/v1`, '--upstream-api-key-env', 'SWEBENCH_TEST_UPSTREAM_KEY',
          '--model-name', 'told-model', '--dataset', dataset, '--output-dir', out, '--run-id', 'upstream', '--instance-ids', 'fixtures__calc-1', '--json'],
        { env: { SWEBENCH_TEST_UPSTREAM_KEY: key } },
      );
      expect(r.exitCode, r.stderr).toBe(0);
      const [s] = readSesFiles(path.join(out, 'upstream'));
      // the fake upstream answers text only, and only to the right key (401 otherwise)
      expect(s).toMatchObject({ status: 'FAILED', error_class: 'early_exit_text_only', record_count: 1, model: { name: 'told-model', upstream: 'served-model' } });
      expect(upstream.requests.every((q) => q.headers.authorization === `Bearer ${key}`)).toBe(true);
      expect(upstream.requests.some((q) => q.body?.model === 'served-model')).toBe(true);
      const manifest = readJson(path.join(out, 'upstream/run.json'));
      expect(manifest.model.source).toEqual({ kind: 'upstream', url: `${upstream.url}/v1`, api_key_env: 'SWEBENCH_TEST_UPSTREAM_KEY' });
      const grep = await execa('grep', ['-rl', key, path.join(out, 'upstream')], { reject: false });
      expect(grep.stdout).toBe('');
      expect(r.stderr + r.stdout).not.toContain(key);
    } finally {
      await upstream.close();
    }
  });

  it('--model noop: every session empty_generation and early_exit_text_only, nothing resolved, exit 0', async () => {
    const r = await submit(['--harness', 'pyagent', '--harness-file', PYAGENT, '--model', 'noop', '--dataset', dataset, '--output-dir', out, '--run-id', 'noop-model', '--max-tasks', '4']);
    expect(r.exitCode, r.stderr).toBe(0);
    const sessions = readSesFiles(path.join(out, 'noop-model'));
    expect(sessions).toHaveLength(4);
    for (const s of sessions) {
      expect(s).toMatchObject({ status: 'FAILED', error_class: 'early_exit_text_only', resolved: false, patch: '', record_count: 1 });
      expect(s.trajectory.metadata.evaluation.report?.empty_generation).toBe(true);
      expect(s.diagnosis?.gateway).toMatch(/last completion: text only, finish stop/);
      expect(s.timings_ms.eval).toBe(0);
    }
    expect(readJson(path.join(out, 'noop-model/report.json')).totals).toMatchObject({ planned_sessions: 4, resolved: 0, empty_patches: 4 });
  });

  it('the completion cap stops the agent: FAILED completion_cap, the patch so far still graded', async () => {
    const r = await submit(['--harness', 'pyagent', '--harness-file', PYAGENT, '--model', 'oracle', '--dataset', dataset, '--output-dir', out, '--run-id', 'cap', '--instance-ids', 'fixtures__calc-1', '--max-completions', '1', '--max-turns', '5']);
    expect(r.exitCode, r.stderr).toBe(0);
    const [s] = readSesFiles(path.join(out, 'cap'));
    expect(s).toMatchObject({ status: 'FAILED', error_class: 'completion_cap', record_count: 1 });
    expect(s!.diagnosis?.gateway).toMatch(/refused by the completion cap \(1\)/);
    // the oracle's first (tool) turn applied the gold patch before the cap hit
    expect(s!.resolved).toBe(true);
  });

  it('bad input fails before any container: unknown harness, bad YAML, exit 2', async () => {
    const r = await submit(['--harness', 'nope', '--model', 'oracle', '--dataset', dataset, '--output-dir', out]);
    expect(r.exitCode).toBe(EXIT_CODES.config);
    expect(r.stderr).toMatch(/--harness: unknown harness "nope"/);
    const yaml = path.join(out, 'bad.yaml');
    writeFileSync(yaml, 'harness: [noop]\nmodel: oracle\ntimeout: soon\n');
    const y = await submit(['--config', yaml, '--dataset', dataset, '--output-dir', out]);
    expect(y.exitCode).toBe(EXIT_CODES.config);
    expect(y.stderr).toContain(`${yaml}: timeout (line 3):`);
  });
});


