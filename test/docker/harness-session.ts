// One real harness session for the harness preset tests: a container from the task image with the harness
// bundle mounted read-only and host networking, the preset's launch files, the CLI run against a gateway
// session, then the diff in /testbed and the session's records. The container is always removed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { imageForTask, loadTasks } from '../../src/dataset/index.js';
import type { Task } from '../../src/dataset/types.js';
import type { CompletionRecord } from '../../src/gateway/records.js';
import type { GatewayHandle } from '../../src/gateway/start.js';
import { BUNDLE_MOUNT, ensureBundle, type Harness, type HarnessContext } from '../../src/harness/index.js';
import { createLogger } from '../../src/logger.js';
import { LABELS, type ExecResult, type Runtime, type Sandbox } from '../../src/runtime/index.js';

export const AGENT_TIMEOUT_MS = 180_000;
export const HOME = '/root/swebench-home';
export const MAX_OUTPUT_TOKENS = 4096;

export interface HarnessSessionOptions {
  prompt?: string;
  maxCompletions?: number;
  maxTurns?: number;
  contextWindow?: number;
  configOverride?: Record<string, unknown>;
  /** Runs in the container after the harness, before it is removed. */
  inspect?: (sandbox: Sandbox) => Promise<void>;
  /** Extra words for the progress line (e.g. which gateway). */
  note?: string;
}

export interface HarnessSessionRun {
  exec: ExecResult;
  diff: string;
  records: CompletionRecord[];
  setupMs: number;
  /** Milliseconds from the launch of the CLI to its first recorded request (undefined without records). */
  firstRequestMs: number | undefined;
}

/** The fixture tasks and the one named `id` among them (the tests fail when it is missing). */
export async function loadFixtureTask(fixturesDir: string, id: string): Promise<{ tasks: Task[]; task: Task }> {
  const tasks = await loadTasks(path.join(fixturesDir, 'tasks.jsonl'));
  const task = tasks.find((t) => t.instance_id === id);
  expect(task, `${id} in the fixtures`).toBeDefined();
  return { tasks, task: task! };
}

/** Installs (or reuses from the cache) each harness's bundle; returns name → host directory. */
export async function ensureBundles(harnesses: Harness[]): Promise<Record<string, string>> {
  const logger = createLogger({ level: 'info' });
  const out: Record<string, string> = {};
  for (const h of harnesses) {
    const started = Date.now();
    const ref = await ensureBundle(h, { logger });
    expect(ref.dir).toBeTruthy();
    out[h.name] = ref.dir!;
    process.stderr.write(`[harness] ${h.name} bundle ready in ${Date.now() - started} ms: ${ref.dir}\n`);
  }
  return out;
}

/** Runs `harness` on `task` through a new session of `gateway`, then closes the session and reads its records. */
export async function runHarnessSession(
  env: { runtime: Runtime; gateway: GatewayHandle; task: Task; bundleDir: string },
  harness: Harness,
  opts: HarnessSessionOptions = {},
): Promise<HarnessSessionRun> {
  const { runtime, gateway, task } = env;
  const creds = gateway.sessions.create({ instanceId: task.instance_id, maxCompletions: opts.maxCompletions ?? 20, labels: { harness: harness.name } });
  const ctx: HarnessContext = {
    baseUrl: creds.base_url,
    rootUrl: creds.base_url.replace(/\/v1$/, ''),
    apiKey: creds.token,
    modelName: 'oracle-model',
    prompt: opts.prompt ?? `Fix this issue in the repository at /testbed.\n\n${task.problem_statement}`,
    workdir: '/testbed',
    home: HOME,
    bundleDir: BUNDLE_MOUNT,
    maxTurns: opts.maxTurns ?? 20,
    timeoutSec: AGENT_TIMEOUT_MS / 1000,
    contextWindow: opts.contextWindow ?? 32768,
    maxOutputTokens: MAX_OUTPUT_TOKENS,
    resumable: false,
    conversationId: '0b7c4f5e-0d6a-4c1e-9a55-2f1d7c3b9e10',
    ...(opts.configOverride ? { configOverride: opts.configOverride } : {}),
  };
  const setupStarted = performance.now();
  const sandbox = await runtime.create({
    image: imageForTask(task),
    workdir: '/testbed',
    network: 'host',
    labels: { [LABELS.role]: 'harness-test', [LABELS.instanceId]: task.instance_id },
    mounts: [{ hostPath: env.bundleDir, containerPath: BUNDLE_MOUNT, readOnly: true }],
  });
  try {
    const launch = harness.launch(ctx);
    for (const f of launch.files) await sandbox.putFile(f.path, f.content, f.mode);
    const setupMs = Math.round(performance.now() - setupStarted);
    const launchedAt = Date.now();
    const exec = await sandbox.exec(launch.command, {
      env: launch.env,
      workdir: ctx.workdir,
      timeoutMs: AGENT_TIMEOUT_MS,
      ...(launch.stdin === undefined ? {} : { stdin: launch.stdin }),
    });
    const diff = await sandbox.exec(['git', '-C', '/testbed', 'diff'], { timeoutMs: 30_000 });
    expect(diff.exitCode, diff.output).toBe(0);
    await opts.inspect?.(sandbox);
    await gateway.sessions.close(creds.session_id);
    let text = '';
    try {
      text = readFileSync(gateway.sessions.recordsPath(creds.session_id)!, 'utf8');
    } catch {
      // no completion, no file
    }
    const records = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as CompletionRecord);
    const firstRequestMs = records[0] ? Date.parse(records[0].timings.start) - launchedAt : undefined;
    const label = [
      opts.prompt && `${Math.round(opts.prompt.length / 1024)} KiB prompt`,
      opts.maxTurns && `turns ${opts.maxTurns}`,
      opts.maxCompletions && `cap ${opts.maxCompletions}`,
      opts.note,
      opts.configOverride && 'override',
    ]
      .filter(Boolean)
      .join(', ');
    process.stderr.write(
      `[harness] ${harness.name}${label ? ` (${label})` : ''}: setup ${setupMs} ms, agent ${Math.round(exec.durationMs)} ms` +
        `${firstRequestMs === undefined ? '' : ` (first request after ${firstRequestMs} ms)`}, exit ${exec.exitCode}, ${records.length} completion(s)\n`,
    );
    if (process.env.SWEBENCH_TEST_VERBOSE === '1') process.stderr.write(`[harness] ${harness.name} output:\n${exec.output}\n`);
    return { exec, diff: diff.output, records, setupMs, firstRequestMs };
  } finally {
    await sandbox.remove();
  }
}
