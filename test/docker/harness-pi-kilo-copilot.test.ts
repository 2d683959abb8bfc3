// The pi, kilo and copilot presets driven for real: their bundles installed on the host (cached in cacheDir()),
// mounted read-only into a fixture task container with host networking, talking to an in-process gateway in front
// of the oracle model, which applies the gold patch through the CLI's own `bash` tool. Then what each CLI really
// prints when the gateway's completion cap refuses it, and when its preset has no base URL, goes through classify().
// None of the three has a turn cap headless, so the cap is the only thing that stops a looping model.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Task } from '../../src/dataset/types.js';
import { startGateway, type GatewayHandle } from '../../src/gateway/start.js';
import { startModelServer, type ModelServer } from '../../src/gateway/models/index.js';
import { HARNESSES, type Harness } from '../../src/harness/index.js';
import { createDockerRuntime, type ExecResult } from '../../src/runtime/index.js';
import { ensureBundles, HOME, loadFixtureTask, MAX_OUTPUT_TOKENS, runHarnessSession, type HarnessSessionOptions, type HarnessSessionRun } from './harness-session.js';

const fixturesDir = inject('fixturesDir');
const TASK_ID = 'fixtures__calc-1';
const NAMES = ['pi', 'kilo', 'copilot'] as const;
type Name = (typeof NAMES)[number];

/** Per CLI: the override that removes the gateway base URL, and what the CLI then says. */
const BROKEN: Record<Name, { override: Record<string, unknown>; says: RegExp; errorClass: string }> = {
  pi: { override: { providers: { gw: { baseUrl: null } } }, says: /Model "gw\/oracle-model" not found/, errorClass: 'infra_error' },
  kilo: { override: { provider: { gw: { options: { baseURL: null } } } }, says: /cannot be parsed as a URL/, errorClass: 'infra_error' },
  copilot: { override: { COPILOT_PROVIDER_BASE_URL: null }, says: /requires a local model provider/, errorClass: 'infra_error' },
};

describe.skipIf(!fixturesDir)('pi, kilo and copilot presets against the oracle (real CLIs, real Docker)', () => {
  const runtime = createDockerRuntime();
  const bundles: Record<string, string> = {};
  let task: Task;
  let model: ModelServer;
  let gateway: GatewayHandle;
  let recordsDir: string;

  beforeAll(async () => {
    const fixtures = await loadFixtureTask(fixturesDir!, TASK_ID);
    task = fixtures.task;
    Object.assign(bundles, await ensureBundles(NAMES.map((n) => HARNESSES[n])));
    model = await startModelServer({ policy: 'oracle', tasks: fixtures.tasks });
    recordsDir = mkdtempSync(path.join(os.tmpdir(), 'swebench-harness-pkc-test-'));
    gateway = await startGateway({ upstreamUrl: model.url, recordsDir });
  });

  afterAll(async () => {
    await gateway?.close({ graceMs: 0 });
    await model?.close();
    if (recordsDir) rmSync(recordsDir, { recursive: true, force: true });
  });

  const runSession = (harness: Harness, opts: HarnessSessionOptions = {}): Promise<HarnessSessionRun> =>
    runHarnessSession({ runtime, gateway, task, bundleDir: bundles[harness.name]! }, harness, opts);
  const classifyRun = (harness: Harness, run: HarnessSessionRun) =>
    harness.classify({ exitCode: run.exec.exitCode, output: run.exec.output, timedOut: run.exec.timedOut });

  for (const name of NAMES) {
    it(`${name} applies the gold patch through its own bash tool, every completion recorded, nothing unpacked or littered`, async () => {
      const harness = HARNESSES[name];
      const probes: Record<string, ExecResult> = {};
      const run = await runSession(harness, {
        inspect: async (sb) => {
          probes.node = await sb.exec('command -v node || echo "no node"');
          probes.home = await sb.exec(`du -sk ${HOME} | cut -f1`);
          // what the harness left in /tmp (the exec helper's pid file and the oracle's patch are ours)
          probes.tmp = await sb.exec("ls -A /tmp | grep -vE '^(\\.swebench-exec-.*\\.pid|swebench_gold\\.patch)$' || true");
        },
      });
      const tail = run.exec.output.slice(-4000);
      expect(run.exec.timedOut, tail).toBe(false);
      expect(run.exec.exitCode, tail).toBe(0);
      expect(classifyRun(harness, run)).toBeUndefined();
      expect(run.diff).toBe(task.patch);
      expect(run.records.length, tail).toBeGreaterThanOrEqual(2);
      for (const r of run.records) {
        expect(r.client_protocol).toBe('openai_chat');
        expect(r.status, JSON.stringify(r.error)).toBe('ok');
        expect(r.instance_id).toBe(task.instance_id);
        expect(r.kind).toBe('turn'); // no title or side requests
      }
      expect(run.records[0]!.response?.tool_calls.map((c) => c.name)).toEqual(['bash']);
      expect(run.records.at(-1)!.response?.tool_calls).toEqual([]);
      // the prompt arrived whole through stdin
      expect(JSON.stringify(run.records[0]!.client_request.body)).toContain(JSON.stringify(task.problem_statement.trim()).slice(1, -1));
      const body = run.records[0]!.client_request.body as Record<string, unknown>;
      process.stderr.write(`[harness] ${name} first request: max_tokens ${String(body.max_tokens)}, max_completion_tokens ${String(body.max_completion_tokens)}; home ${probes.home!.output.trim()} KiB; /tmp: ${JSON.stringify(probes.tmp!.output.trim())}\n`);
      expect(probes.node!.output.trim()).toBe('no node'); // pi ran on the bundle's node
      expect(Number(probes.home!.output.trim())).toBeLessThan(20_000); // copilot did not unpack 235 MB into HOME
      expect(probes.tmp!.output.trim()).toBe(''); // kilo's native library went to the session TMPDIR
      if (name === 'pi') expect(body.max_completion_tokens).toBe(MAX_OUTPUT_TOKENS);
      if (name === 'kilo') expect(body.max_tokens).toBe(MAX_OUTPUT_TOKENS);
    });

    it(`${name} stopped by the session's completion cap is classified completion_cap`, async () => {
      const harness = HARNESSES[name];
      const run = await runSession(harness, { maxCompletions: 1 });
      expect(run.records).toHaveLength(1); // refusals are not recorded
      const tail = run.exec.output.slice(-4000);
      process.stderr.write(`[harness] ${name} at the cap: exit ${run.exec.exitCode}, output tail:\n${run.exec.output.slice(-1500)}\n`);
      expect(run.exec.exitCode, tail).not.toBe(0);
      const failure = classifyRun(harness, run);
      expect(failure?.errorClass, tail).toBe('completion_cap');
      expect(failure?.error).toContain('reached its completion cap (1 completions)');
    });

    it(`${name} with the base URL removed by configOverride makes no completion, and classify() says why`, async () => {
      const harness = HARNESSES[name];
      const run = await runSession(harness, { configOverride: BROKEN[name].override });
      process.stderr.write(`[harness] ${name} broken: exit ${run.exec.exitCode}, output tail:\n${run.exec.output.slice(-1500)}\n`);
      expect(run.records).toHaveLength(0);
      expect(run.diff).toBe('');
      expect(run.exec.exitCode).not.toBe(0);
      expect(run.exec.output).toMatch(BROKEN[name].says);
      const failure = classifyRun(harness, run);
      expect(failure?.errorClass, run.exec.output.slice(-2000)).toBe(BROKEN[name].errorClass);
    });
  }
});
