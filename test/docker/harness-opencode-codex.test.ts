// The opencode and codex presets driven for real: their bundles installed on the host (cached in cacheDir(), so
// only the first run downloads), mounted read-only into a fixture task container with host networking, talking
// to an in-process gateway in front of the oracle model. The oracle applies the gold patch through the harness's
// own shell tool, so a correct integration leaves exactly the gold diff in /testbed and ≥ 2 recorded completions.
// The broken opencode preset (no baseURL) proves the zero-completion bug is caught and classified.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Task } from '../../src/dataset/types.js';
import { startGateway, type GatewayHandle } from '../../src/gateway/start.js';
import { startModelServer, type ModelServer } from '../../src/gateway/models/index.js';
import { HARNESSES, type Harness } from '../../src/harness/index.js';
import { createDockerRuntime } from '../../src/runtime/index.js';
import { ensureBundles, loadFixtureTask, runHarnessSession, type HarnessSessionOptions, type HarnessSessionRun } from './harness-session.js';

const fixturesDir = inject('fixturesDir');
const TASK_ID = 'fixtures__calc-1';

describe.skipIf(!fixturesDir)('opencode and codex presets against the oracle (real CLIs, real Docker)', () => {
  const runtime = createDockerRuntime();
  const bundles: Record<string, string> = {};
  let task: Task;
  let model: ModelServer;
  let gateway: GatewayHandle;
  let recordsDir: string;

  beforeAll(async () => {
    const fixtures = await loadFixtureTask(fixturesDir!, TASK_ID);
    const tasks = fixtures.tasks;
    task = fixtures.task;
    Object.assign(bundles, await ensureBundles([HARNESSES.opencode, HARNESSES.codex]));
    model = await startModelServer({ policy: 'oracle', tasks });
    recordsDir = mkdtempSync(path.join(os.tmpdir(), 'swebench-harness-test-'));
    gateway = await startGateway({ upstreamUrl: model.url, recordsDir });
  });

  afterAll(async () => {
    await gateway?.close({ graceMs: 0 });
    await model?.close();
    if (recordsDir) rmSync(recordsDir, { recursive: true, force: true });
  });

  const runSession = (harness: Harness, opts: HarnessSessionOptions = {}): Promise<HarnessSessionRun> =>
    runHarnessSession({ runtime, gateway, task, bundleDir: bundles[harness.name]! }, harness, opts);

  for (const name of ['opencode', 'codex'] as const) {
    it(`${name} applies the gold patch through its own shell tool, every completion recorded`, async () => {
      const harness = HARNESSES[name];
      const run = await runSession(harness);
      const tail = run.exec.output.slice(-4000);
      expect(run.exec.timedOut, tail).toBe(false);
      expect(run.exec.exitCode, tail).toBe(0);
      expect(harness.classify({ exitCode: run.exec.exitCode, output: run.exec.output, timedOut: false })).toBeUndefined();
      expect(run.diff).toBe(task.patch);
      expect(run.records.length, tail).toBeGreaterThanOrEqual(2);
      for (const r of run.records) {
        expect(r.client_protocol).toBe(harness.protocol);
        expect(r.status, JSON.stringify(r.error)).toBe('ok');
        expect(r.instance_id).toBe(task.instance_id);
      }
      // The first turn calls the shell tool with the gold-patch script; the last one answers in text.
      expect(run.records[0]!.response?.tool_calls.length).toBeGreaterThan(0);
      expect(run.records.at(-1)!.response?.tool_calls).toEqual([]);
    });
  }

  for (const name of ['opencode', 'codex'] as const) {
    it(`${name} stopped by the session's completion cap is classified completion_cap`, async () => {
      const harness = HARNESSES[name];
      const run = await runSession(harness, { maxCompletions: 1 });
      expect(run.records).toHaveLength(1); // refusals are not recorded
      expect(run.exec.exitCode, run.exec.output.slice(-4000)).not.toBe(0);
      const failure = harness.classify({ exitCode: run.exec.exitCode, output: run.exec.output, timedOut: run.exec.timedOut });
      expect(failure?.errorClass, run.exec.output.slice(-4000)).toBe('completion_cap');
      expect(failure?.error).toContain('reached its completion cap (1 completions)');
    });
  }

  it('the broken opencode preset (options.baseURL removed) makes no completion and classify() says why', async () => {
    const harness = HARNESSES.opencode;
    const run = await runSession(harness, { configOverride: { provider: { gw: { options: { baseURL: null } } } } });
    expect(run.records).toHaveLength(0);
    expect(run.diff).toBe('');
    expect(run.exec.exitCode, run.exec.output.slice(-4000)).not.toBe(0);
    expect(run.exec.output).toContain('cannot be parsed as a URL');
    const failure = harness.classify({ exitCode: run.exec.exitCode, output: run.exec.output, timedOut: run.exec.timedOut });
    expect(failure?.errorClass).toBe('infra_error');
    expect(failure?.error).toContain('cannot be parsed as a URL');
  });
});
