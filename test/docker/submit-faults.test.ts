// Faults, each for real: Ctrl-C (SIGINT to the built CLI) mid-run then --resume; a session's container killed
// from outside mid-agent; a harness that hangs (wall-clock timeout) or goes silent (idle watchdog); the chaos
// model behind the gateway. After every one: exactly one well-formed ses file per session, no container left.
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EXIT_CODES } from '../../src/errors.js';
import { agentContainers, CLI, groupOf, PYAGENT, readJson, readPredictions, readSesFiles, runContainers, SLEEPER, submit, waitFor } from './submit-helpers.js';

const fixturesDir = inject('fixturesDir');
const TASKS = ['fixtures__calc-1', 'fixtures__django-1', 'fixtures__flask-1'];

describe.skipIf(!fixturesDir)('swebench submit under faults (real Docker)', () => {
  let out: string;
  let dataset: string;
  const common = () => ['--dataset', dataset, '--output-dir', out, '--harness-file', PYAGENT, '--harness-file', SLEEPER];

  beforeAll(() => {
    dataset = path.join(fixturesDir!, 'tasks.jsonl');
    out = mkdtempSync(path.join(os.tmpdir(), 'swebench-faults-test-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('SIGINT mid-run: CANCELLED ses files, no container left, exit 130; --resume redoes only those and touches nothing else', async () => {
    const runId = 'sigint';
    const runDir = path.join(out, runId);
    const yaml = path.join(out, 'sigint.yaml');
    writeFileSync(yaml, ['harness: [pyagent, sleeper]', 'model: oracle', 'concurrency: 2', 'harness_overrides:', '  sleeper:', '    config: { sleepSec: 6 }', ''].join('\n'));
    const args = ['--config', yaml, ...common(), '--instance-ids', TASKS.join(','), '--run-id', runId];
    const child = execa('node', [CLI, 'submit', ...args], { reject: false, env: { CI: 'true' } });
    // wait for one finished session and a sleeping agent, then interrupt
    const ready = await waitFor(async () => {
      const done = readSesFiles(runDir).some((s) => s.status === 'COMPLETED');
      return done && (await agentContainers(runId)).length > 0;
    }, 120_000);
    expect(ready, 'a finished session and a running agent before the interrupt').toBe(true);
    child.kill('SIGINT');
    const first = await child;
    expect(first.exitCode, first.stderr).toBe(EXIT_CODES.cancelled);
    expect(first.stderr).toMatch(/interrupt: cancelling/);
    expect(first.stderr).toContain(`continue with: swebench submit --resume --run-id ${runId}`);
    expect(await runContainers(runId)).toEqual([]);

    const afterCancel = readSesFiles(runDir);
    expect(afterCancel).toHaveLength(TASKS.length * 2);
    const finished = afterCancel.filter((s) => s.status !== 'CANCELLED');
    const cancelled = afterCancel.filter((s) => s.status === 'CANCELLED');
    expect(finished.length).toBeGreaterThanOrEqual(1);
    expect(cancelled.length).toBeGreaterThanOrEqual(1);
    // a session interrupted while running says where; one that never started says so
    expect(cancelled.some((s) => s.error === 'cancelled before it started' || /^cancelled during /.test(s.error!))).toBe(true);
    expect(readJson(path.join(runDir, 'run.json')).status).toBe('cancelled');
    expect(readPredictions(runDir).map((p) => p.session_id).sort()).toEqual(finished.filter((s) => s.patch_extracted).map((s) => s.session_id).sort());
    const before = new Map(finished.map((s) => [s.file, { text: readFileSync(s.file, 'utf8'), mtime: statSync(s.file).mtimeMs }]));

    // a changed config is refused, naming the key
    const changed = await submit([...args, '--resume', '--timeout', '77']);
    expect(changed.exitCode).toBe(EXIT_CODES.config);
    expect(changed.stderr).toMatch(/the config differs from the one run sigint started with: timeout/);

    const second = await submit([...args, '--resume', '--json']);
    expect(second.exitCode, second.stderr).toBe(0);
    const summary = JSON.parse(second.stdout);
    expect(summary).toMatchObject({ status: 'finished', kept_sessions: finished.length, ran_sessions: cancelled.length });
    const all = readSesFiles(runDir);
    expect(all).toHaveLength(TASKS.length * 2);
    expect(new Set(all.map((s) => s.session_id)).size).toBe(TASKS.length * 2);
    expect(all.every((s) => s.status !== 'CANCELLED')).toBe(true);
    // resumed sessions kept their ids (deterministic), finished ones are byte-for-byte untouched
    expect(all.map((s) => s.session_id).sort()).toEqual(afterCancel.map((s) => s.session_id).sort());
    for (const [file, was] of before) {
      expect(readFileSync(file, 'utf8')).toBe(was.text);
      expect(statSync(file).mtimeMs).toBe(was.mtime);
    }
    for (const s of all) {
      if (s.harness.name === 'pyagent') expect(s, s.instance_id).toMatchObject({ status: 'COMPLETED', resolved: true });
      else expect(s, s.instance_id).toMatchObject({ status: 'FAILED', error_class: 'no_completions' });
    }
    const predictions = readPredictions(runDir);
    expect(predictions).toHaveLength(TASKS.length * 2);
    expect(new Set(predictions.map((p) => p.session_id)).size).toBe(TASKS.length * 2);
    const manifest = readJson(path.join(runDir, 'run.json'));
    expect(manifest.status).toBe('finished');
    expect(manifest.resumed_at).toHaveLength(1);
    expect(await runContainers(runId)).toEqual([]);
  });

  it('Ctrl-C after 2 of 8 sessions: report.json, submit --json and report --json give one resolve_rate = resolved / planned', async () => {
    const runId = 'one-rate';
    const runDir = path.join(out, runId);
    const child = execa('node', [CLI, 'submit', '--harness-file', PYAGENT, '--harness', 'pyagent', '--model', 'oracle', '--dataset', dataset, '--output-dir', out, '--run-id', runId, '--concurrency', '1', '--json'], {
      reject: false, env: { CI: 'true' },
    });
    const twoDone = await waitFor(() => readSesFiles(runDir).filter((s) => s.status === 'COMPLETED').length >= 2, 180_000);
    expect(twoDone, 'two finished sessions before the interrupt').toBe(true);
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode, r.stderr).toBe(EXIT_CODES.cancelled);
    const planned = readFileSync(dataset, 'utf8').trim().split('\n').length;
    expect(planned).toBe(8);
    const resolved = readSesFiles(runDir).filter((s) => s.resolved).length;
    expect(resolved).toBeGreaterThanOrEqual(2);
    expect(resolved).toBeLessThan(planned);

    const key = 'pyagent__swebench-oracle';
    const fromJson = groupOf(JSON.parse(r.stdout), key);
    const fromFile = groupOf(readJson(path.join(runDir, 'report.json')), key);
    const rep = await execa('node', [CLI, 'report', runDir, '--json'], { reject: false, env: { CI: 'true' } });
    expect(rep.exitCode, rep.stderr).toBe(0);
    const fromReport = groupOf(JSON.parse(rep.stdout), key);
    for (const g of [fromJson, fromFile, fromReport]) {
      expect(g).toMatchObject({ planned_sessions: planned, resolved, resolve_rate: resolved / planned, not_run_sessions: planned - resolved });
    }
    expect(fromFile).toEqual(fromReport);
    expect(r.stderr).toContain(`${key}: ${resolved}/${planned} resolved (${((resolved / planned) * 100).toFixed(1)}%`);
  });

  it('a second SIGINT forces exit 130 at once; --resume sweeps what it left and redoes the session', async () => {
    const runId = 'forced';
    const runDir = path.join(out, runId);
    const yaml = path.join(out, 'forced.yaml');
    // the sleeper ignores SIGTERM, so the graceful cancel waits for the SIGKILL escalation: the second Ctrl-C lands in it
    writeFileSync(yaml, 'harness_overrides:\n  sleeper:\n    config: { sleepSec: 3, ignoreTerm: true }\n');
    const args = ['--config', yaml, '--harness', 'sleeper', '--model', 'oracle', ...common(), '--instance-ids', TASKS[0]!, '--run-id', runId, '--timeout', '60'];
    const child = execa('node', [CLI, 'submit', ...args], { reject: false, env: { CI: 'true' } });
    expect(await waitFor(async () => (await agentContainers(runId)).length > 0, 60_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 500)); // the harness is running
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGINT');
    const forced = await child;
    expect(forced.exitCode).toBe(EXIT_CODES.cancelled);
    expect(forced.stderr).toMatch(/second interrupt: exiting now/);
    expect((await runContainers(runId)).length, 'the forced exit leaves its container behind').toBeGreaterThan(0);
    const r = await submit([...args, '--resume']);
    expect(r.exitCode, r.stderr).toBe(0);
    const sessions = readSesFiles(runDir);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ status: 'FAILED', error_class: 'no_completions' });
    expect(await runContainers(runId)).toEqual([]);
  });

  it('a container killed from outside mid-agent: that session ERROR/infra_error, the others unaffected', async () => {
    const runId = 'killed';
    const yaml = path.join(out, 'killed.yaml');
    writeFileSync(yaml, 'harness_overrides:\n  sleeper:\n    config: { sleepSec: 8 }\n');
    const child = submit(['--config', yaml, '--harness', 'sleeper', '--model', 'oracle', ...common(), '--instance-ids', TASKS.join(','), '--run-id', runId, '--concurrency', '3']);
    let victim: { id: string; instanceId: string } | undefined;
    const running = await waitFor(async () => {
      const agents = await agentContainers(runId);
      victim = agents.find((a) => a.instanceId === 'fixtures__django-1');
      return agents.length === TASKS.length && victim !== undefined;
    }, 60_000);
    expect(running).toBe(true);
    await new Promise((r) => setTimeout(r, 1000)); // let the sleeper start
    await execa('docker', ['kill', victim!.id]);
    const r = await child;
    expect(r.exitCode, r.stderr).toBe(0);
    const sessions = readSesFiles(path.join(out, runId));
    expect(sessions).toHaveLength(TASKS.length);
    for (const s of sessions) {
      if (s.instance_id === 'fixtures__django-1') {
        expect(s).toMatchObject({ status: 'ERROR', error_class: 'infra_error', failed_phase: 'agent', patch_extracted: false });
        expect(s.error).toMatch(/the task container stopped while the harness ran/);
      } else {
        expect(s, s.instance_id).toMatchObject({ status: 'FAILED', error_class: 'no_completions', patch_extracted: true });
        expect(s.timings_ms.agent).toBeGreaterThanOrEqual(7000);
      }
    }
    const g = groupOf(readJson(path.join(out, runId, 'report.json')), 'sleeper__swebench-oracle');
    expect(g).toMatchObject({ infra_errors: 1, sessions: 3, not_run_sessions: 0, official: { incomplete_ids: ['fixtures__django-1'] } });
    expect(readPredictions(path.join(out, runId))).toHaveLength(2);
    expect(await runContainers(runId)).toEqual([]);
  });

  it('a hanging harness is killed by the wall-clock timeout: TIMEOUT/agent_timeout', async () => {
    const r = await submit(['--harness', 'sleeper', '--model', 'oracle', ...common(), '--instance-ids', TASKS.slice(0, 2).join(','), '--run-id', 'hang', '--timeout', '5', '--concurrency', '2']);
    expect(r.exitCode, r.stderr).toBe(0);
    for (const s of readSesFiles(path.join(out, 'hang'))) {
      expect(s).toMatchObject({ status: 'TIMEOUT', error_class: 'agent_timeout', exit_code: 124, failed_phase: 'agent', patch_extracted: true });
      expect(s.timings_ms.agent).toBeGreaterThanOrEqual(5000);
      expect(s.diagnosis).toMatchObject({ agent_output_tail: 'sleeper: sleeping 1000 s', gateway: expect.stringMatching(/killed by the 5 s timeout .* without calling the gateway/) });
    }
    expect(await runContainers('hang')).toEqual([]);
  });

  it('a silent harness is killed by the idle watchdog: TIMEOUT/idle_timeout', async () => {
    const r = await submit(['--harness', 'sleeper', '--model', 'oracle', ...common(), '--instance-ids', TASKS[0]!, '--run-id', 'idle', '--idle-timeout', '2']);
    expect(r.exitCode, r.stderr).toBe(0);
    const [s] = readSesFiles(path.join(out, 'idle'));
    expect(s).toMatchObject({ status: 'TIMEOUT', error_class: 'idle_timeout', exit_code: null });
    expect(s!.timings_ms.agent).toBeGreaterThanOrEqual(2000);
    expect(s!.diagnosis?.gateway).toMatch(/idle watchdog \(2 s without output or completion\)/);
  });

  it('the chaos model behind the gateway: every session still ends with one well-formed ses file', async () => {
    const yaml = path.join(out, 'chaos.yaml');
    writeFileSync(yaml, ['chaos:', '  seed: 11', '  slow_ms: 300', '  rates: { "429": 0.15, "5xx": 0.15, disconnect: 0.15, reasoning-only: 0.15, length: 0.1, sse-error: 0.15, slow: 0.1 }', ''].join('\n'));
    const r = await submit(['--config', yaml, '--harness', 'pyagent', '--model', 'chaos', ...common(), '--run-id', 'chaos', '--concurrency', '4', '--timeout', '120', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const runDir = path.join(out, 'chaos');
    const sessions = readSesFiles(runDir); // throws on any malformed file
    const fixtures = readFileSync(dataset, 'utf8').trim().split('\n').length;
    expect(sessions).toHaveLength(fixtures);
    expect(new Set(sessions.map((s) => s.instance_id)).size).toBe(fixtures);
    // the faults did happen: retried attempts or failed records in the logs
    let attempts = 0;
    let records = 0;
    for (const s of sessions) {
      for (const line of readFileSync(path.join(runDir, s.artifacts.records), 'utf8').split('\n').filter(Boolean)) {
        records++;
        attempts += (JSON.parse(line) as { attempts: unknown[] }).attempts.length;
      }
    }
    expect(attempts).toBeGreaterThan(records);
    const summary = JSON.parse(r.stdout);
    expect(summary.totals).toMatchObject({ planned_sessions: fixtures, sessions: fixtures });
    expect(summary.groups[0].not_run_sessions).toBe(0);
    expect(await runContainers('chaos')).toEqual([]);
  });
});
