// `swebench eval`: evaluate predictions (or the gold patches) in Docker with the official harness's semantics.
import type { Command } from 'commander';
import { loadTasks, selectTasks } from '../dataset/index.js';
import { evaluatePredictions } from '../eval/evaluate.js';
import { GRADING_MODES } from '../eval/grading.js';
import { loadRepoSpecs } from '../eval/eval-script.js';
import { loadPredictions } from '../eval/predictions.js';
import { NETWORK_MODES } from '../config/submit-schema.js';
import { createLogger } from '../logger.js';
import { EVAL_HOST_NETWORK_WARNING } from '../run/agent-network.js';
import { createDockerRuntime } from '../runtime/index.js';
import { createEvalProgress } from './eval-progress.js';
import { addSelectionOptions, selectionFromOptions } from './selection.js';
import { parseChoice, parseIntOption, cancelSignalFromSigint } from './options.js';

export function registerEval(program: Command): void {
  const cmd = program
    .command('eval')
    .description('Evaluate predictions in fresh Docker containers and grade them like the official SWE-bench harness (v4.1.0).')
    .requiredOption('--predictions <file|gold>', 'predictions .jsonl/.json in the official format, or "gold" for the dataset patches')
    .requiredOption('--run-id <id>', 'run identifier; re-running the same id reuses finished instances')
    .option('--dataset <src>', 'dataset: .json/.jsonl/.parquet file or HuggingFace name', 'SWE-bench/SWE-bench_Verified')
    .option('--split <name>', 'dataset split (HuggingFace names)', 'test')
    .option('--max-workers <n>', 'instances evaluated in parallel', '4')
    .option('--timeout <seconds>', 'eval script timeout per instance', '1800')
    .option('--output-dir <dir>', 'where run directories are written', 'results')
    .option('--image-template <template>', 'image name for every instance ({id}, {official_id}); default: the row\'s image column, else swebench/sweb.eval.x86_64.{official_id}:latest')
    .option('--grading <mode>', 'official (v4.1.0) or strict (v5 hardening)', 'official')
    .option('--eval-network <mode>', 'sealed: the eval containers have no network; host: the host network (opt-in)', 'sealed')
    .option('--specs <file>', 'extra repo spec table (YAML) merged over configs/repo-specs.yaml')
    .option('--json', 'print the summary JSON on stdout');
  addSelectionOptions(cmd);
  cmd.action(async (opts: Record<string, string | boolean | undefined>) => {
    const logger = createLogger();
    const grading = parseChoice('--grading', opts.grading, GRADING_MODES);
    const network = parseChoice('--eval-network', opts.evalNetwork, NETWORK_MODES) === 'host' ? 'host' : 'none';
    if (network === 'host') logger.warn(EVAL_HOST_NETWORK_WARNING);
    const maxWorkers = parseIntOption('--max-workers', opts.maxWorkers as string, 1);
    const timeoutSec = parseIntOption('--timeout', opts.timeout as string, 1);
    const all = await loadTasks(opts.dataset as string, { split: opts.split as string, logger });
    const tasks = selectTasks(all, selectionFromOptions(opts));
    const predictions = await loadPredictions(opts.predictions as string, all);
    const specs = opts.specs ? loadRepoSpecs(opts.specs as string) : undefined;
    const { signal, dispose } = cancelSignalFromSigint(logger);
    const progress = createEvalProgress(logger);
    try {
      const result = await evaluatePredictions(
        {
          tasks,
          predictions,
          runId: opts.runId as string,
          outputDir: opts.outputDir as string,
          maxWorkers,
          timeoutSec,
          imageTemplate: opts.imageTemplate as string | undefined,
          grading,
          network,
          specs,
        },
        { runtime: createDockerRuntime({ logger }), signal, logger, reporter: progress },
      );
      progress.stop();
      const s = result.summary;
      logger.info(
        `${s.resolved_instances}/${s.total_instances} resolved, ${s.unresolved_instances} unresolved, ` +
          `${s.empty_patch_instances} empty patch, ${s.error_instances} error — summary: ${result.summaryPath}`,
      );
      if (opts.json) process.stdout.write(JSON.stringify(s, null, 2) + '\n');
    } finally {
      progress.stop();
      dispose();
    }
  });
}
