// Evaluates one prediction the way the official v4.1.0 harness does: a fresh container from the task image,
// the patch applied with the git-apply → --reject → patch --fuzz chain, the eval script run with stdout and
// stderr merged in arrival order, and the log graded into the official per-instance report.
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Task } from '../dataset/types.js';
import { CancelledError, throwIfAborted } from '../errors.js';
import type { Logger } from '../logger.js';
import { LABELS, type Runtime, type Sandbox } from '../runtime/types.js';
import { applyFailureMessage } from './apply-reason.js';
import { APPLY_PATCH_FAIL, APPLY_PATCH_PASS } from './constants.js';
import { evalScriptFor, type RepoSpecTable } from './eval-script.js';
import { gradeInstance, type GradingMode, type InstanceReport } from './grading.js';

/** The official apply chain (v3.0 → v4.1.0): the first command that exits 0 wins; no reset in between. */
export const GIT_APPLY_CMDS = ['git apply --verbose', 'git apply --verbose --reject', 'patch --batch --fuzz=5 -p1 -i'];

export const PATCH_PATH_IN_CONTAINER = '/tmp/patch.diff';
export const EVAL_SCRIPT_PATH_IN_CONTAINER = '/eval.sh';

/** Why an instance produced no report (the official summary counts it under error_instances). */
export type InstanceErrorClass = 'patch_apply_failed' | 'eval_timeout' | 'eval_error';

export interface InstanceOutcome {
  instance_id: string;
  /** The official report, or null when the instance errored (apply failure, timeout, container error). */
  report: InstanceReport | null;
  resolved: boolean;
  error?: { class: InstanceErrorClass; message: string };
  /** True when a report.json from an earlier run with the same run id was reused. */
  reused: boolean;
  timings_ms: { container_start: number; apply: number; eval: number; total: number };
}

export interface RunInstanceOptions {
  task: Task;
  patch: string;
  image: string;
  /** Where patch.diff, eval.sh, test_output.txt, run_instance.log and report.json go. */
  instanceDir: string;
  runId: string;
  timeoutMs: number;
  grading: GradingMode;
  specs?: RepoSpecTable;
  /** `none` (no network at all: the code under test reaches nothing on the host or beyond) or `host`. @default 'none' */
  network?: 'none' | 'host';
  /** Extra labels for the eval container (session id, …). */
  labels?: Record<string, string>;
}

/** Runs the whole evaluation of one non-empty prediction; per-instance failures are data, cancellation throws. */
export async function runInstance(
  opts: RunInstanceOptions,
  deps: { runtime: Runtime; signal?: AbortSignal; logger: Logger },
): Promise<InstanceOutcome> {
  const { task, instanceDir } = opts;
  const started = Date.now();
  const timings = { container_start: 0, apply: 0, eval: 0, total: 0 };
  const reportPath = path.join(instanceDir, 'report.json');
  const existing = await readExistingReport(reportPath, task.instance_id);
  if (existing) {
    return { instance_id: task.instance_id, report: existing, resolved: isResolved(existing, task.instance_id), reused: true, timings_ms: timings };
  }
  throwIfAborted(deps.signal);
  await mkdir(instanceDir, { recursive: true });
  const patch = opts.patch;
  const evalScript = evalScriptFor(task, opts.specs);
  await writeFile(path.join(instanceDir, 'patch.diff'), patch);
  await writeFile(path.join(instanceDir, 'eval.sh'), evalScript);
  const runLog: string[] = [];
  const finish = async (outcome: Omit<InstanceOutcome, 'timings_ms' | 'reused' | 'instance_id'>): Promise<InstanceOutcome> => {
    timings.total = Date.now() - started;
    await writeFile(path.join(instanceDir, 'run_instance.log'), runLog.join('\n') + '\n');
    return { instance_id: task.instance_id, reused: false, timings_ms: timings, ...outcome };
  };

  let sandbox: Sandbox | undefined;
  try {
    let t = Date.now();
    sandbox = await deps.runtime.create(
      {
        image: opts.image,
        workdir: '/testbed',
        network: opts.network ?? 'none',
        user: 'root',
        labels: { [LABELS.runId]: opts.runId, [LABELS.instanceId]: task.instance_id, [LABELS.role]: 'eval', ...opts.labels },
      },
      { signal: deps.signal },
    );
    timings.container_start = Date.now() - t;
    runLog.push(`Container for ${task.instance_id} created: ${sandbox.name}`);

    t = Date.now();
    await sandbox.putFile(PATCH_PATH_IN_CONTAINER, patch);
    const applied = await applyPatch(sandbox, deps.signal);
    timings.apply = Date.now() - t;
    if (!applied.ok) {
      runLog.push(`${APPLY_PATCH_FAIL}:\n${applied.output}`);
      deps.logger.debug(`${task.instance_id}: patch apply failed`);
      return await finish({ report: null, resolved: false, error: { class: 'patch_apply_failed', message: applyFailureMessage(applied.output) } });
    }
    runLog.push(`${APPLY_PATCH_PASS}:\n${applied.output}`);

    t = Date.now();
    await sandbox.putFile(EVAL_SCRIPT_PATH_IN_CONTAINER, evalScript, 0o755);
    const logPath = path.join(instanceDir, 'test_output.txt');
    const out = createWriteStream(logPath);
    let result;
    try {
      result = await sandbox.exec(['/bin/bash', EVAL_SCRIPT_PATH_IN_CONTAINER], {
        workdir: '/testbed',
        timeoutMs: opts.timeoutMs,
        signal: deps.signal,
        onOutput: (chunk) => out.write(chunk),
      });
    } finally {
      await new Promise<void>((resolve) => out.end(resolve));
    }
    timings.eval = Date.now() - t;
    if (result.timedOut) {
      const seconds = Math.round(opts.timeoutMs / 1000);
      await writeFile(logPath, `\n\nTimeout error: ${seconds} seconds exceeded.`, { flag: 'a' });
      runLog.push(`Test runtime exceeded the timeout of ${seconds} seconds`);
      return await finish({ report: null, resolved: false, error: { class: 'eval_timeout', message: `eval script exceeded ${seconds} s` } });
    }
    runLog.push(`Test runtime: ${(timings.eval / 1000).toFixed(2)} seconds; exit code ${result.exitCode}`);

    const log = await readFile(logPath, 'utf8');
    const report = gradeInstance(task, log, { patch, mode: opts.grading });
    await writeFile(reportPath, JSON.stringify(report, null, 4));
    return await finish({ report, resolved: isResolved(report, task.instance_id) });
  } catch (err) {
    if (err instanceof CancelledError || deps.signal?.aborted) throw err instanceof CancelledError ? err : new CancelledError();
    const message = (err as Error)?.message ?? String(err);
    runLog.push(`Error evaluating ${task.instance_id}: ${message}`);
    return await finish({ report: null, resolved: false, error: { class: 'eval_error', message } });
  } finally {
    await sandbox?.remove().catch((e) => deps.logger.warn(`could not remove container ${sandbox?.name}: ${(e as Error).message}`));
  }
}

/** Tries each command of the official chain in /testbed; returns the output of the winning (or last) attempt. */
export async function applyPatch(sandbox: Sandbox, signal?: AbortSignal): Promise<{ ok: boolean; output: string; command: string }> {
  let last = { ok: false, output: '', command: '' };
  for (const cmd of GIT_APPLY_CMDS) {
    const command = `${cmd} ${PATCH_PATH_IN_CONTAINER}`;
    const r = await sandbox.exec(['/bin/sh', '-c', command], { workdir: '/testbed', user: 'root', signal });
    last = { ok: r.exitCode === 0, output: r.output, command };
    if (last.ok) return last;
  }
  return last;
}

function isResolved(report: InstanceReport, id: string): boolean {
  return report[id]?.resolved === true;
}

async function readExistingReport(file: string, id: string): Promise<InstanceReport | null> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as InstanceReport;
    return parsed && typeof parsed === 'object' && parsed[id] ? parsed : null;
  } catch {
    return null;
  }
}
