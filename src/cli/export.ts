// `swebench export <run-dir>`: a run directory as training data — rl-jsonl (one line per completion with token ids),
// sessions-jsonl (one conversation per session) or atif (Harbor trajectories). Flags in, exportRun out.
import type { Command } from 'commander';
import { EXPORT_FORMATS, exportRun, getExportFormat, parseChains, type ExportFormatName } from '../export/index.js';
import { OutputClosedError } from '../export/sinks.js';
import { createLogger } from '../logger.js';
import { cancelSignalFromSigint } from './options.js';

const FORMAT_NAMES = Object.keys(EXPORT_FORMATS).join('|');

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('Export a run directory as training data: rl-jsonl (token ids, loss mask, reward per completion), sessions-jsonl (OpenAI chat conversations) or atif (Harbor trajectories).')
    .argument('<run-dir>', 'a run directory written by `swebench submit` (or `swebench merge`)')
    .requiredOption('--format <format>', `${FORMAT_NAMES}`)
    .option('--out <path>', 'a file (rl-jsonl, sessions-jsonl) or a new/empty directory (atif); - for stdout (atif: JSONL, one trajectory a line)', '-')
    .option('--chains <list>', 'comma-separated chains to export (main,subagent,compaction,title,auxiliary); default all (rl-jsonl, atif)')
    .option('--json', 'print the summary as JSON on stderr')
    .action(async (runDir: string, opts: { format: string; out: string; chains?: string; json?: boolean }) => {
      const logger = createLogger();
      getExportFormat(opts.format); // a bad --format fails before anything is read
      const chains = opts.chains === undefined ? undefined : parseChains(opts.chains);
      const { signal, dispose } = cancelSignalFromSigint(logger);
      try {
        const summary = await exportRun(
          { runDir, format: opts.format as ExportFormatName, out: opts.out, chains },
          { signal, logger, stdout: process.stdout },
        );
        if (opts.json) process.stderr.write(`${JSON.stringify(summary)}\n`);
        else {
          const counts = Object.entries(summary.counts).map(([k, v]) => `${k} ${v}`).join(', ');
          logger.info(`export ${summary.format}: ${summary.sessions} session(s)${counts ? `; ${counts}` : ''}${summary.out === '-' ? '' : `; written to ${summary.out}`}`);
        }
      } catch (err) {
        // `export … | head`: the reader has what it wanted
        if (!(err instanceof OutputClosedError)) throw err;
      } finally {
        dispose();
      }
    });
}
