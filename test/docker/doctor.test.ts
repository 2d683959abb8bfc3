// `swebench doctor` against real model servers on 127.0.0.1 (the built-in one, healthy and in the modes that
// reproduce vLLM misconfigurations), a port nobody listens on, a wrong model name, no Docker engine and an image that
// is neither local nor pullable; and `submit` against a vLLM that refuses tools: one failure, in seconds, before any
// container, instead of one per session.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadTasks } from '../../src/dataset/index.js';
import { startModelServer, type ModelServer } from '../../src/gateway/models/index.js';
import { closedPort } from '../helpers/fake-upstream.js';
import { CLI, runContainers, submit } from './submit-helpers.js';

const fixturesDir = inject('fixturesDir');

interface Check {
  id: string;
  status: string;
  detail: string;
  fix?: string;
}

describe.skipIf(!fixturesDir)('swebench doctor', () => {
  const servers: Record<string, ModelServer> = {};
  let dataset = '';
  let out = '';

  beforeAll(async () => {
    dataset = path.join(fixturesDir!, 'tasks.jsonl');
    out = mkdtempSync(path.join(os.tmpdir(), 'swebench-doctor-'));
    const tasks = await loadTasks(dataset);
    servers.healthy = await startModelServer({ policy: 'oracle', tasks, maxModelLen: 131072 });
    servers.noTools = await startModelServer({ policy: 'oracle', tasks, refuseTools: true });
    servers.small = await startModelServer({ policy: 'oracle', tasks, maxModelLen: 32768 });
    servers.noStream = await startModelServer({ policy: 'oracle', tasks, noStream: true });
  });
  afterAll(async () => {
    for (const s of Object.values(servers)) await s.close();
    rmSync(out, { recursive: true, force: true });
  });

  const doctor = async (args: string[], env: Record<string, string> = {}) => {
    const r = await execa('node', [CLI, 'doctor', '--harness', 'codex', '--dataset', dataset, '--instance-ids', 'fixtures__calc-1', '--json', ...args], { reject: false, env: { CI: 'true', ...env } });
    const checks = (JSON.parse(r.stdout || '{"checks":[]}') as { checks: Check[] }).checks;
    return { exitCode: r.exitCode, checks, byId: (id: string) => checks.find((c) => c.id === id), stderr: r.stderr };
  };

  it('a healthy model server: every check ok, exit 0', async () => {
    const r = await doctor(['--upstream', servers.healthy!.url]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.checks.map((c) => `${c.id}:${c.status}`)).toEqual([
      'docker.engine:ok', 'docker.disk:ok', 'images:ok', 'bundle.codex:ok',
      'upstream.models:ok', 'upstream.context:ok', 'upstream.stream:ok', 'upstream.tools:ok', 'upstream.reasoning:ok',
    ]);
    expect(r.byId('images')!.detail).toBe('1 image(s): 1 local, 0 pullable');
    expect(r.byId('upstream.context')!.detail).toBe('swebench-oracle: max_model_len 131072 ≥ --context-window 131072');
    expect(r.byId('upstream.tools')!.detail).toBe('a completion with tools returned a tool call (bash)');
  });

  it('a vLLM without --enable-auto-tool-choice: exit 4, names the flag', async () => {
    const r = await doctor(['--upstream', servers.noTools!.url]);
    expect(r.exitCode).toBe(4);
    expect(r.byId('upstream.tools')).toEqual({
      id: 'upstream.tools',
      status: 'fail',
      detail: 'a completion with tools (tool_choice "auto") failed: HTTP 400: "auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
      fix: 'Restart vLLM with --enable-auto-tool-choice --tool-call-parser <parser for the model> (e.g. hermes for Qwen, llama3_json for Llama 3.1); every harness sends tool_choice "auto".',
    });
  });

  it('an unreachable upstream, a wrong model name, max_model_len below --context-window, no streaming', async () => {
    const port = await closedPort();
    const down = await doctor(['--upstream', `http://127.0.0.1:${port}/v1`]);
    expect(down.exitCode).toBe(4);
    expect(down.byId('upstream.models')).toEqual({
      id: 'upstream.models', status: 'fail', detail: `cannot reach http://127.0.0.1:${port}/v1: connect ECONNREFUSED 127.0.0.1:${port}`,
      fix: 'Start the model server, or fix --upstream (host, port, and the /v1 suffix).',
    });
    const wrong = await doctor(['--upstream', servers.healthy!.url, '--upstream-model', 'Qwen/Qwen3-32B']);
    expect(wrong.exitCode).toBe(4);
    expect(wrong.byId('upstream.models')).toMatchObject({ status: 'fail', detail: `${servers.healthy!.url}/models does not list model "Qwen/Qwen3-32B" (it lists swebench-oracle)`, fix: 'Pass --upstream-model with one of: swebench-oracle.' });
    const small = await doctor(['--upstream', servers.small!.url]);
    expect(small.exitCode).toBe(4);
    expect(small.byId('upstream.context')).toEqual({
      id: 'upstream.context', status: 'fail',
      detail: 'swebench-oracle: max_model_len 32768 is below --context-window 131072: harnesses would overflow the context before they compact',
      fix: 'Pass --context-window 32768 or less (a little less leaves room for compaction), or restart vLLM with --max-model-len 131072 or more.',
    });
    expect((await doctor(['--upstream', servers.small!.url, '--context-window', '30000', '--max-output-tokens', '4096'])).exitCode).toBe(0);
    const noStream = await doctor(['--upstream', servers.noStream!.url]);
    expect(noStream.byId('upstream.stream')).toMatchObject({ status: 'warn', detail: 'stream: true was answered with one application/json body, not server-sent events' });
  });

  it('no Docker engine: exit 3 with the fix; an image neither local nor pullable: exit 3, named', async () => {
    const sock = path.join(out, 'no-engine.sock');
    expect(existsSync(sock)).toBe(false);
    const noEngine = await doctor(['--upstream', servers.healthy!.url], { DOCKER_HOST: `unix://${sock}` });
    expect(noEngine.exitCode).toBe(3);
    expect(noEngine.byId('docker.engine')).toMatchObject({ status: 'fail', detail: `No Docker engine answered at unix://${sock} (ENOENT: socket not found)` });
    expect(noEngine.byId('docker.engine')!.fix).toMatch(/Start the Docker daemon/);
    expect(noEngine.byId('images')).toBeUndefined();
    const port = await closedPort();
    const image = await doctor(['--upstream', servers.healthy!.url, '--image-template', `127.0.0.1:${port}/nowhere/{id}:v1`]);
    expect(image.exitCode).toBe(3);
    expect(image.byId('images')).toEqual({
      id: 'images', status: 'fail',
      detail: `1 image(s): 0 local, 0 pullable, 1 neither local nor pullable: 127.0.0.1:${port}/nowhere/fixtures__calc-1:v1 (127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port})`,
      fix: 'Build or pull them first, or point --image-template at a registry that has them (e.g. a local mirror).',
    });
  });

  it('submit against a vLLM that refuses tools fails once, in seconds, before any container (exit 4)', async () => {
    const started = Date.now();
    const r = await submit(['--harness', 'codex', '--upstream', servers.noTools!.url, '--dataset', dataset, '--max-tasks', '8', '--output-dir', out, '--run-id', 'refused']);
    const seconds = (Date.now() - started) / 1000;
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain('preflight (upstream.tools): a completion with tools (tool_choice "auto") failed: HTTP 400: "auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set');
    expect(r.stderr).toContain('Restart vLLM with --enable-auto-tool-choice');
    expect(existsSync(path.join(out, 'refused'))).toBe(false);
    expect(await runContainers('refused')).toEqual([]);
    // no timed assertion (figures belong to benchmarks): the time is printed for the record
    process.stdout.write(`submit against a tool-refusing upstream: exit ${r.exitCode} after ${seconds.toFixed(1)} s\n`);
  });
});
