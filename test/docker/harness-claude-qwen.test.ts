// The claude-code and qwen-code presets driven for real: their bundles installed on the host (cached in
// cacheDir(), so only the first run downloads), mounted read-only into a fixture task container (no node in the
// image) with host networking, talking to an in-process gateway in front of the oracle model. The oracle applies
// the gold patch through the harness's own shell tool (claude `Bash`, qwen `run_shell_command`), so a correct
// integration leaves exactly the gold diff in /testbed and ≥ 2 recorded completions. Then the CLIs' real failure
// outputs (turn limit, completion cap, context overflow, broken preset) go through classify().
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Task } from '../../src/dataset/types.js';
import { startGateway, type GatewayHandle } from '../../src/gateway/start.js';
import { startModelServer, type ModelServer } from '../../src/gateway/models/index.js';
import { BUNDLE_MOUNT, HARNESSES, type Harness } from '../../src/harness/index.js';
import { createDockerRuntime, type ExecResult } from '../../src/runtime/index.js';
import { ensureBundles, loadFixtureTask, HOME, MAX_OUTPUT_TOKENS, runHarnessSession, type HarnessSessionOptions, type HarnessSessionRun } from './harness-session.js';

const fixturesDir = inject('fixturesDir');
const TASK_ID = 'fixtures__calc-1';
const NAMES = ['claude-code', 'qwen-code'] as const;
const RG_DIR = process.arch === 'arm64' ? 'arm64-linux' : 'x64-linux';

interface SessionOptions extends HarnessSessionOptions {
  /** Use the gateway in front of the small-context model instead. */
  smallContext?: boolean;
}

type SessionRun = HarnessSessionRun;

describe.skipIf(!fixturesDir)('claude-code and qwen-code presets against the oracle (real CLIs, real Docker)', () => {
  const runtime = createDockerRuntime();
  const bundles: Record<string, string> = {};
  let task: Task;
  let models: ModelServer[] = [];
  let gateway: GatewayHandle;
  let smallGateway: GatewayHandle;
  let recordsDir: string;

  beforeAll(async () => {
    const fixtures = await loadFixtureTask(fixturesDir!, TASK_ID);
    const tasks = fixtures.tasks;
    task = fixtures.task;
    Object.assign(bundles, await ensureBundles(NAMES.map((n) => HARNESSES[n])));
    const oracle = await startModelServer({ policy: 'oracle', tasks });
    // the oracle again, answering vLLM's context-length 400 to any request longer than 2,000 characters
    const tiny = await startModelServer({ policy: 'oracle', tasks, maxModelLen: 500 });
    models = [oracle, tiny];
    recordsDir = mkdtempSync(path.join(os.tmpdir(), 'swebench-harness-cq-test-'));
    gateway = await startGateway({ upstreamUrl: oracle.url, recordsDir: path.join(recordsDir, 'oracle') });
    smallGateway = await startGateway({ upstreamUrl: tiny.url, recordsDir: path.join(recordsDir, 'tiny') });
  });

  afterAll(async () => {
    await gateway?.close({ graceMs: 0 });
    await smallGateway?.close({ graceMs: 0 });
    for (const m of models) await m.close();
    if (recordsDir) rmSync(recordsDir, { recursive: true, force: true });
  });

  const runSession = (harness: Harness, opts: SessionOptions = {}): Promise<SessionRun> => {
    const { smallContext, ...rest } = opts;
    const env = { runtime, gateway: smallContext ? smallGateway : gateway, task, bundleDir: bundles[harness.name]! };
    return runHarnessSession(env, harness, smallContext ? { ...rest, note: 'small context' } : rest);
  };

  const classifyRun = (harness: Harness, run: SessionRun) =>
    harness.classify({ exitCode: run.exec.exitCode, output: run.exec.output, timedOut: run.exec.timedOut });

  for (const name of NAMES) {
    it(`${name} applies the gold patch through its own shell tool, every completion recorded`, async () => {
      const harness = HARNESSES[name];
      const probes: Record<string, ExecResult> = {};
      const run = await runSession(harness, {
        inspect: async (sb) => {
          probes.node = await sb.exec('command -v node || echo "no node"');
          probes.settings = await sb.exec(`cat ${HOME}/.claude/settings.json 2>/dev/null || echo none`);
          probes.rg = await sb.exec(`test -x ${BUNDLE_MOUNT}/node_modules/@qwen-code/qwen-code/vendor/ripgrep/${RG_DIR}/rg && echo executable`);
        },
      });
      const tail = run.exec.output.slice(-4000);
      expect(run.exec.timedOut, tail).toBe(false);
      expect(run.exec.exitCode, tail).toBe(0);
      expect(classifyRun(harness, run)).toBeUndefined();
      expect(run.diff).toBe(task.patch);
      expect(run.records.length, tail).toBeGreaterThanOrEqual(2);
      for (const r of run.records) {
        expect(r.client_protocol).toBe(harness.protocol);
        expect(r.status, JSON.stringify(r.error)).toBe('ok');
        expect(r.instance_id).toBe(task.instance_id);
        expect(r.kind).toBe('turn'); // no title / memory-agent side requests
        // the preset's output cap reached the wire, and (claude) the vLLM-friendly block removed thinking
        const body = r.client_request.body as Record<string, unknown>;
        if (name === 'claude-code') expect(body.max_tokens).toBe(MAX_OUTPUT_TOKENS);
        else expect(body.max_tokens).toBeLessThanOrEqual(MAX_OUTPUT_TOKENS); // qwen also clamps to fit the context window
        expect(body).not.toHaveProperty('thinking');
      }
      expect(run.records[0]!.response?.tool_calls.map((c) => c.name)).toEqual([name === 'claude-code' ? 'Bash' : 'run_shell_command']);
      expect(run.records.at(-1)!.response?.tool_calls).toEqual([]);
      // the prompt arrived whole through stdin
      expect(JSON.stringify(run.records[0]!.client_request.body)).toContain(JSON.stringify(task.problem_statement.trim()).slice(1, -1));
      expect(probes.node!.output.trim()).toBe('no node'); // qwen ran on the bundle's node
      if (name === 'claude-code') expect(probes.settings!.output.trim()).toBe('none');
      if (name === 'qwen-code') expect(probes.rg!.output.trim()).toBe('executable');
    });
  }

  for (const name of NAMES) {
    it(`${name} gets a 200 KiB prompt that starts with "--" whole through stdin (an argv element is capped at 128 KiB)`, async () => {
      const harness = HARNESSES[name];
      const logs = Array.from({ length: 3000 }, (_, i) => `log line ${i}: ${'x'.repeat(60)}`).join('\n');
      const prompt = `--help is part of the issue text\n${task.problem_statement}\n<logs>\n${logs}\n</logs>\nEND-OF-PROMPT-42\n`;
      expect(Buffer.byteLength(prompt)).toBeGreaterThan(200 * 1024);
      const run = await runSession(harness, { prompt, contextWindow: 262_144 });
      expect(run.exec.exitCode, run.exec.output.slice(-4000)).toBe(0);
      expect(run.diff).toBe(task.patch);
      const body = JSON.stringify(run.records[0]!.client_request.body);
      expect(body).toContain('--help is part of the issue text');
      expect(body).toContain('END-OF-PROMPT-42');
    });
  }

  it('claude-code past --max-turns: exit 1 with result error_max_turns, classified completion_cap', async () => {
    const harness = HARNESSES['claude-code'];
    const run = await runSession(harness, { maxTurns: 1 });
    expect(run.exec.exitCode, run.exec.output.slice(-2000)).toBe(1);
    expect(run.records).toHaveLength(1);
    const failure = classifyRun(harness, run);
    expect(failure?.errorClass).toBe('completion_cap');
    expect(failure?.error).toMatch(/max-turns.*error_max_turns/);
  });

  it('qwen-code past --max-session-turns: exit 53, classified completion_cap', async () => {
    const harness = HARNESSES['qwen-code'];
    const run = await runSession(harness, { maxTurns: 1 });
    expect(run.exec.exitCode, run.exec.output.slice(-2000)).toBe(53);
    const failure = classifyRun(harness, run);
    expect(failure?.errorClass).toBe('completion_cap');
    expect(failure?.error).toContain('Reached max session turns');
  });

  for (const name of NAMES) {
    it(`${name} stopped by the session's completion cap is classified completion_cap`, async () => {
      const harness = HARNESSES[name];
      const run = await runSession(harness, { maxCompletions: 1 });
      expect(run.records).toHaveLength(1); // refusals are not recorded
      expect(run.exec.exitCode, run.exec.output.slice(-4000)).not.toBe(0);
      const failure = classifyRun(harness, run);
      expect(failure?.errorClass, run.exec.output.slice(-4000)).toBe('completion_cap');
      expect(failure?.error).toContain('reached its completion cap (1 completions)');
    });

    it(`${name} against a model whose context is too small is classified context_length_exceeded`, async () => {
      const harness = HARNESSES[name];
      const run = await runSession(harness, { smallContext: true });
      expect(run.diff).toBe('');
      expect(run.exec.exitCode, run.exec.output.slice(-4000)).not.toBe(0);
      expect(run.records.length).toBeGreaterThanOrEqual(1);
      expect(run.records.every((r) => r.status === 'error' && r.error?.kind === 'context_length_exceeded')).toBe(true);
      const failure = classifyRun(harness, run);
      expect(failure?.errorClass, run.exec.output.slice(-4000)).toBe('context_length_exceeded');
    });
  }

  it('claude-code with the session key removed by configOverride makes no completion and classify() says why', async () => {
    const harness = HARNESSES['claude-code'];
    const run = await runSession(harness, { configOverride: { ANTHROPIC_API_KEY: null } });
    expect(run.records).toHaveLength(0);
    expect(run.diff).toBe('');
    expect(run.exec.exitCode).toBe(1);
    const failure = classifyRun(harness, run);
    expect(failure?.errorClass).toBe('infra_error');
    expect(failure?.error).toContain('Not logged in');
  });

  it('qwen-code with a modelProviders entry for the model (configOverride) bypasses the gateway, and classify() says so', async () => {
    const harness = HARNESSES['qwen-code'];
    // reference §3a pitfall: a modelProviders entry matching the model id wins over OPENAI_BASE_URL
    const entry = { id: 'oracle-model', name: 'elsewhere', baseUrl: 'http://127.0.0.1:9/v1', envKey: 'OPENAI_API_KEY' };
    const run = await runSession(harness, { configOverride: { modelProviders: { openai: [entry] } } });
    expect(run.records).toHaveLength(0);
    expect(run.exec.exitCode, run.exec.output.slice(-2000)).toBe(1);
    const failure = classifyRun(harness, run);
    expect(failure?.errorClass, run.exec.output.slice(-2000)).toBe('upstream_error');
    expect(failure?.error).toContain('cannot reach the gateway');
  });
});
