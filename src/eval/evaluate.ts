// `swebench eval` as a library call: evaluates a set of predictions against their tasks under a worker limit,
// reusing instances already graded under the same run id, and writes the official summary.
//
// DIR/<run-id>/
//   report.json                        the official summary (schema_version 2)
//   <model>/<instance_id>/             model = model_name_or_path with "/" → "__"
//     patch.diff  eval.sh  test_output.txt  run_instance.log  report.json
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../fs-atomic.js';
import PQueue from 'p-queue';
import type { Task } from '../dataset/types.js';
import { imageForTask } from '../dataset/image.js';
import { CancelledError, ConfigError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import type { Runtime } from '../runtime/types.js';
import type { RepoSpecTable } from './eval-script.js';
import type { GradingMode, InstanceReport } from './grading.js';
import { modelDirName, type Prediction } from './predictions.js';
import { runInstance, type InstanceOutcome } from './run-instance.js';
import { makeRunSummary, type RunSummary } from './summary.js';

export interface EvaluateConfig {
  tasks: Task[];
  predictions: Prediction[];
  runId: string;
  /** @default 'results' */
  outputDir?: string;
  /** @default 4 */
  maxWorkers?: number;
  /** Per-instance eval timeout in seconds. @default 1800 */
  timeoutSec?: number;
  /** Image name template for rows without an `image` column (`{id}`, `{official_id}`). */
  imageTemplate?: string;
  /** @default 'official' */
  grading?: GradingMode;
  /** The eval containers' network: `none` (nothing on the host or beyond is reachable) or `host`. @default 'none' */
  network?: 'none' | 'host';
  specs?: RepoSpecTable;
}

/** What a caller (the CLI's progress display) hears about while an evaluation runs. */
export interface EvaluateReporter {
  onStart?(info: { total: number; toRun: number }): void;
  onInstanceStart?(instanceId: string): void;
  onInstanceDone?(outcome: InstanceOutcome | { instance_id: string; empty_patch: true }): void;
}

export interface EvaluateResult {
  summary: RunSummary;
  summaryPath: string;
  runDir: string;
  outcomes: InstanceOutcome[];
}

/** Where one instance's artifacts live for a model name (the official harness's layout). */
export function instanceDirFor(runDir: string, modelName: string, instanceId: string): string {
  return path.join(runDir, modelDirName(modelName), instanceId);
}

/** Evaluates every prediction whose instance is in `tasks`; empty patches are never run. */
export async function evaluatePredictions(
  config: EvaluateConfig,
  deps: { runtime: Runtime; signal?: AbortSignal; logger?: Logger; reporter?: EvaluateReporter },
): Promise<EvaluateResult> {
  const logger = deps.logger ?? silentLogger;
  if (!/^[A-Za-z0-9._-]+$/.test(config.runId)) {
    throw new ConfigError(`invalid run id "${config.runId}"`, { source: '--run-id', hint: 'Use letters, digits, ".", "_" and "-" only.' });
  }
  const runDir = path.resolve(config.outputDir ?? 'results', config.runId);
  const byId = new Map(config.tasks.map((t) => [t.instance_id, t]));
  const predictions = config.predictions.filter((p) => byId.has(p.instance_id));
  const timeoutMs = (config.timeoutSec ?? 1800) * 1000;
  const toRun = predictions.filter((p) => !isEmptyPatch(p.model_patch));
  // No engine: fail before anything is written or announced.
  if (toRun.length > 0) await deps.runtime.ping();
  await mkdir(runDir, { recursive: true });

  deps.reporter?.onStart?.({ total: predictions.length, toRun: toRun.length });
  for (const p of predictions) if (isEmptyPatch(p.model_patch)) deps.reporter?.onInstanceDone?.({ instance_id: p.instance_id, empty_patch: true });

  const images = [...new Set(toRun.map((p) => imageForTask(byId.get(p.instance_id)!, config.imageTemplate)))];
  for (const image of images) {
    await deps.runtime.ensureImage(image, {
      signal: deps.signal,
      onProgress: (pr) => logger.debug(`pull ${pr.image}: ${pr.status}`),
    });
  }

  const queue = new PQueue({ concurrency: Math.max(1, config.maxWorkers ?? 4) });
  const outcomes: InstanceOutcome[] = [];
  const reports = new Map<string, InstanceReport | null>();
  const jobs = toRun.map((p) =>
    queue.add(
      async () => {
        const task = byId.get(p.instance_id)!;
        deps.reporter?.onInstanceStart?.(p.instance_id);
        const outcome = await runInstance(
          {
            task,
            patch: p.model_patch!,
            image: imageForTask(task, config.imageTemplate),
            instanceDir: instanceDirFor(runDir, p.model_name_or_path, p.instance_id),
            runId: config.runId,
            timeoutMs,
            grading: config.grading ?? 'official',
            network: config.network ?? 'none',
            specs: config.specs,
          },
          { runtime: deps.runtime, signal: deps.signal, logger },
        );
        outcomes.push(outcome);
        reports.set(p.instance_id, outcome.report);
        deps.reporter?.onInstanceDone?.(outcome);
      },
      { signal: deps.signal },
    ),
  );
  const settled = await Promise.allSettled(jobs);
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) {
    queue.clear();
    // Cancellation (or an AbortError from the queue) still leaves the finished instances' reports on disk.
    if (deps.signal?.aborted) throw new CancelledError();
    throw failure.reason;
  }

  const summary = makeRunSummary({ tasks: config.tasks, predictions, reports });
  const summaryPath = path.join(runDir, 'report.json');
  await writeFileAtomic(summaryPath, JSON.stringify(summary, null, 4));
  return { summary, summaryPath, runDir, outcomes };
}


function isEmptyPatch(patch: string | null | undefined): boolean {
  return patch === null || patch === undefined || patch === '';
}
