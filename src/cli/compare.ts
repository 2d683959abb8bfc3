// `swebench compare <run>…`: harness × model columns side by side, the instances resolved by one and not the other,
// and whether the difference is more than noise (McNemar exact test, paired bootstrap CI). With --baseline, the
// instances the baseline resolved and the new run does not are the regressions a nightly job asks about.
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import { createLogger } from '../logger.js';
import { applyRegressionGate, parseRate, type RegressionMode } from '../report/ci-gates.js';
import { compareRuns } from '../report/compare.js';
import { loadComparable } from '../report/compare-input.js';
import { getFormat, REPORT_FORMATS } from '../report/formats.js';
import { writeCompareSite } from '../report/viewer/site.js';
import { isInteractive } from '../tty.js';
import { parseIntOption } from './options.js';
import { emit } from './report.js';

const FORMAT_NAMES = Object.entries(REPORT_FORMATS)
  .filter(([, f]) => 'compare' in f)
  .map(([k]) => k)
  .join('|');

interface CompareFlags {
  baseline?: string;
  intersect?: boolean;
  format: string;
  json?: boolean;
  out?: string;
  alpha: string;
  seed: string;
  resamples: string;
  failOnRegression?: string | boolean;
  site?: string;
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('Compare runs (or the harnesses/models of one run) side by side, with per-instance differences and a paired significance test.')
    .argument('<runs...>', 'run directories, `report --format json` outputs, or report.json files')
    .option('--baseline <run>', 'a stored baseline run: every column is compared against it; lost instances are regressions')
    .option('--intersect', 'compare on the instances all runs share instead of refusing different task sets')
    .option('--format <format>', `output format: ${FORMAT_NAMES}`, 'table')
    .option('--json', 'same as --format json (stable, schema_version 1)')
    .option('--out <file>', 'write the output to this file instead of stdout')
    .option('--site <dir>', 'also write the viewer over the run directories given: each run\'s pages and per-instance comparison pages across runs')
    .option('--alpha <p>', 'significance level of the McNemar test', '0.05')
    .option('--seed <n>', 'seed of the bootstrap PRNG (results are deterministic per seed)', '1')
    .option('--resamples <n>', 'bootstrap resamples', '10000')
    .option('--fail-on-regression [mode]', 'exit 5 on a regression: "significant" (default: a decline with McNemar p < alpha) or "any" lost instance')
    .action(async (runs: string[], opts: CompareFlags) => {
      const logger = createLogger();
      const format = getFormat(opts.json ? 'json' : opts.format, 'compare');
      const alpha = parseRate(opts.alpha, '--alpha');
      const seed = parseIntOption('--seed', opts.seed, 0, 2 ** 32 - 1);
      const resamples = parseIntOption('--resamples', opts.resamples, 100, 10_000_000);
      const mode = regressionMode(opts.failOnRegression);
      const baseline = opts.baseline ? await loadComparable(opts.baseline) : undefined;
      const sources = [];
      for (const r of runs) sources.push(await loadComparable(r));
      const cmp = compareRuns(sources, { baseline, intersect: opts.intersect, alpha, seed, resamples });
      const color = !opts.out && isInteractive(process.stdout);
      await emit(format.compare!(cmp, { color, linkBase: '' }), opts.out, logger);
      if (opts.site) {
        const dirs = [];
        for (const r of runs) if (await stat(r).then((s) => s.isDirectory(), () => false)) dirs.push(r);
        const site = await writeCompareSite(dirs, opts.site);
        logger.info(`viewer written to ${site.index} (${site.comparisons} instance comparison(s))`);
      }
      if (mode) {
        const gate = applyRegressionGate(cmp, mode);
        for (const f of gate.failures) logger.error(f);
        process.exitCode = gate.exitCode;
      }
    });
}

function regressionMode(value: string | boolean | undefined): RegressionMode | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true || value === 'significant') return 'significant';
  if (value === 'any') return 'any';
  throw new ConfigError(`expected "significant" or "any", got "${value}"`, { source: '--fail-on-regression' });
}
