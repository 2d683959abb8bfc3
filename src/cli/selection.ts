// The task-selection and dataset flags every command that runs tasks shares, turned into a TaskSelection and load options.
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import { validateSelection, type DownloadProgress, type TaskSelection } from '../dataset/index.js';
import { isInteractive } from '../tty.js';
import { parseIntOption } from './options.js';

// --instance-ids may be repeated and each value may hold several ids separated by commas or spaces.
const collectIds = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  ...value.split(/[\s,]+/).filter((s) => s !== ''),
];

/** Adds --instance-ids, --filter, --slice, --max-tasks and --shard (applied in that order, max-tasks last). */
export function addSelectionOptions(cmd: Command): Command {
  return cmd
    .option('--instance-ids <ids>', 'only these instance ids (comma- or space-separated, repeatable)', collectIds)
    .option('--filter <regex>', 'only instance ids matching this regular expression')
    .option('--slice <start:stop>', 'Python slice of the (filtered) task list, e.g. 0:50, -10:, ::2')
    .option('--shard <i/n>', 'run shard i of n (1-based contiguous blocks; the n shards cover every task once)')
    .option('--max-tasks <n>', 'at most n tasks (applied last)');
}

/** Reads the options added by addSelectionOptions (commander's camelCase keys) into a TaskSelection, validating every flag. */
export function selectionFromOptions(opts: Record<string, unknown>): TaskSelection {
  const sel: TaskSelection = {};
  const ids = opts.instanceIds;
  if (ids !== undefined) {
    const list = (Array.isArray(ids) ? ids : [ids]).flatMap((v) => String(v).split(/[\s,]+/)).filter((s) => s !== '');
    if (list.length === 0) throw new ConfigError('expected at least one instance id', { source: '--instance-ids' });
    sel.instanceIds = list;
  }
  if (typeof opts.filter === 'string') sel.filter = opts.filter;
  if (typeof opts.slice === 'string') sel.slice = opts.slice;
  if (typeof opts.shard === 'string') sel.shard = opts.shard;
  if (opts.maxTasks !== undefined) {
    sel.maxTasks = parseIntOption('--max-tasks', opts.maxTasks, 1);
  }
  validateSelection(sel);
  return sel;
}

/** Shows hub download progress on stderr: one updating line on a TTY, one line per finished file otherwise. */
export function downloadProgressReporter(stream: NodeJS.WriteStream = process.stderr): (p: DownloadProgress) => void {
  const tty = isInteractive(stream);
  let last = 0;
  const mb = (n: number) => (n / 1e6).toFixed(1);
  return (p) => {
    const done = p.total !== undefined && p.bytes >= p.total;
    const line = `downloading ${p.file}: ${mb(p.bytes)}${p.total !== undefined ? ` / ${mb(p.total)}` : ''} MB`;
    if (tty) {
      const now = Date.now();
      if (!done && now - last < 100) return;
      last = now;
      stream.write(`\r${line}${done ? '\n' : ''}`);
    } else if (done) {
      stream.write(`${line}\n`);
    }
  };
}
