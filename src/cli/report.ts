// `swebench report <run-dir>`: every figure of a run recomputed from its ses files, in any REPORT_FORMATS format,
// plus the CI gates (--fail-under, --max-infra-errors → exit 5 / 6) and a JUnit file, so a nightly job can gate
// on `report` after `merge`.
import path from 'node:path';
import { isInteractive } from '../tty.js';
import { writeFileAtomic } from '../fs-atomic.js';
import type { Command } from 'commander';
import { createLogger, type Logger } from '../logger.js';
import { applyCiGates, parseRate, type CiGates } from '../report/ci-gates.js';
import { getFormat, REPORT_FORMATS } from '../report/formats.js';
import { reportRun } from '../report/index.js';
import { writeJunit } from '../report/render-junit.js';
import { writeSite } from '../report/viewer/site.js';
import { parseIntOption } from './options.js';

const FORMAT_NAMES = Object.keys(REPORT_FORMATS).join('|');

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('Summarise a run directory per harness × model: resolve rates (with CIs, excluding infra errors), pass@k, error classes, time, tokens, the official summary.')
    .argument('<run-dir>', 'a run directory written by `swebench submit` (or `swebench merge`)')
    .option('--format <format>', `output format: ${FORMAT_NAMES}`, 'table')
    .option('--json', 'same as --format json (stable, schema_version 1)')
    .option('--out <file>', 'write the output to this file instead of stdout (HTML links are made relative to it)')
    .option('--junit <file>', 'also write JUnit XML: one test case per session, failure message = error_class: error')
    .option('--fail-under <rate>', 'exit 5 when any harness × model resolves less than this rate over all tasks (0.4 or 40%)')
    .option('--max-infra-errors <n>', 'exit 6 when more than n sessions hit infra errors (infra_error, eval_error, eval_timeout)')
    .action(async (runDir: string, opts: { format: string; json?: boolean; out?: string; junit?: string; failUnder?: string; maxInfraErrors?: string }) => {
      const logger = createLogger();
      const format = getFormat(opts.json ? 'json' : opts.format, 'report');
      const gates = gatesFromOptions(opts);
      if (format === REPORT_FORMATS.html && opts.out) {
        // the run page plus the viewer's session and comparison pages next to it
        const site = await writeSite(runDir, path.dirname(opts.out), { index: path.basename(opts.out) });
        logger.info(`written to ${site.index} (+ ${site.sessions} session page(s), ${site.comparisons} comparison page(s))`);
      }
      const report = await reportRun(runDir);
      const linkBase = path.relative(path.resolve(opts.out ? path.dirname(opts.out) : '.'), path.resolve(runDir)).split(path.sep).join('/');
      const color = !opts.out && isInteractive(process.stdout);
      if (!(format === REPORT_FORMATS.html && opts.out)) await emit(format.report(report, { color, linkBase }), opts.out, logger);
      if (opts.junit) {
        await writeJunit(opts.junit, report);
        logger.info(`JUnit XML written to ${opts.junit}`);
      }
      process.exitCode = applyGates(report, gates, logger);
    });
}

/** Parses --fail-under and --max-infra-errors (shared with `submit`). */
export function gatesFromOptions(opts: { failUnder?: string; maxInfraErrors?: string }): CiGates {
  return {
    failUnder: opts.failUnder === undefined ? undefined : parseRate(opts.failUnder),
    maxInfraErrors: opts.maxInfraErrors === undefined ? undefined : parseIntOption('--max-infra-errors', opts.maxInfraErrors, 0),
  };
}

/** Applies the gates, logs each failure, and returns the exit code for process.exitCode. */
export function applyGates(report: Parameters<typeof applyCiGates>[0], gates: CiGates, logger: Logger): number {
  const result = applyCiGates(report, gates);
  for (const f of result.failures) logger.error(f);
  return result.exitCode;
}

/** Writes rendered output to stdout, or atomically to `out` (directories created). */
export async function emit(text: string, out: string | undefined, logger: Logger): Promise<void> {
  if (!out) {
    process.stdout.write(text);
    return;
  }
  await writeFileAtomic(out, text, { mkdir: true });
  logger.info(`written to ${out}`);
}
