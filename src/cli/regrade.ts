// `swebench regrade`: re-grade one saved test log (no Docker) and print the official per-instance report JSON.
import type { Command } from 'commander';
import { GRADING_MODES } from '../eval/grading.js';
import { regrade } from '../eval/regrade.js';
import { parseChoice } from './options.js';
import { createLogger } from '../logger.js';

export function registerRegrade(program: Command): void {
  program
    .command('regrade')
    .description('Re-grade a saved test log (test_output.txt) against a dataset row and print the official report JSON.')
    .requiredOption('--instance-id <id>', 'instance to grade, e.g. sympy__sympy-20590')
    .requiredOption('--log <file>', 'the test log written by an evaluation (test_output.txt)')
    .option('--dataset <src>', 'dataset: .json/.jsonl/.parquet file or HuggingFace name', 'SWE-bench/SWE-bench_Verified')
    .option('--split <name>', 'dataset split (HuggingFace names)', 'test')
    .option('--patch <file>', 'the evaluated model patch (patch.diff); without it the patch counts as present')
    .option('--grading <mode>', 'official (v4.1.0) or strict (v5 hardening)', 'official')
    .option('--specs <file>', 'extra repo spec table (YAML) merged over configs/repo-specs.yaml')
    .action(async (opts: Record<string, string | undefined>) => {
      const mode = parseChoice('--grading', opts.grading, GRADING_MODES);
      const report = await regrade(
        {
          dataset: opts.dataset!,
          split: opts.split,
          instanceId: opts.instanceId!,
          logPath: opts.log!,
          patchPath: opts.patch,
          mode,
          specsFile: opts.specs,
        },
        { logger: createLogger() },
      );
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    });
}
