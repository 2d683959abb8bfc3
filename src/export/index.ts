// `swebench export` as a library: the format registry and exportRun, which walks a run directory one session at a
// time (ses files listed, then each read, validated and exported before the next), so a run of any size streams.
import path from 'node:path';
import type { Writable } from 'node:stream';
import { RECORD_CHAINS, type RecordChain } from '../gateway/chains.js';
import { ConfigError, throwIfAborted } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { listSesFiles, openRunDir, readSes } from '../report/run-dir.js';
import { atif } from './atif.js';
import { streamRecords } from './records-stream.js';
import { rlJsonl } from './rl-jsonl.js';
import { sessionsJsonl } from './sessions-jsonl.js';
import { dirSink, fileSink, streamSink, type OpenSink } from './sinks.js';
import type { ExportCounts, ExportFormat } from './types.js';

/** The export formats, by `--format` name. */
export const EXPORT_FORMATS = {
  'rl-jsonl': rlJsonl,
  'sessions-jsonl': sessionsJsonl,
  atif,
} satisfies Record<string, ExportFormat>;

export type ExportFormatName = keyof typeof EXPORT_FORMATS;

export interface ExportConfig {
  runDir: string;
  format: ExportFormatName;
  /** A file (JSONL formats) or a directory (atif), or '-' for stdout. @default '-' */
  out?: string;
  /** Chains to export. @default every chain */
  chains?: readonly RecordChain[];
}

export interface ExportDeps {
  signal?: AbortSignal;
  logger?: Logger;
  /** Where `out: '-'` writes. The CLI passes process.stdout. */
  stdout?: Writable;
}

/** What an export did: sessions read, documents written, and everything skipped, by reason. */
export interface ExportSummary {
  format: ExportFormatName;
  run_dir: string;
  out: string;
  sessions: number;
  /** Non-zero counters: lines / trajectories written, records_without_token_ids, records_in_other_chains, … */
  counts: ExportCounts;
}

/** Looks a format up, with a ConfigError naming the valid ones. */
export function getExportFormat(name: string): ExportFormat {
  const formats: Record<string, ExportFormat> = EXPORT_FORMATS;
  const f = Object.hasOwn(formats, name) ? formats[name] : undefined;
  if (!f) {
    throw new ConfigError(`unknown format "${name}"`, { source: '--format', hint: `Use one of: ${Object.keys(formats).join(', ')}.` });
  }
  return f;
}

/** Parses `--chains main,subagent` into chain names (ConfigError naming the bad one). */
export function parseChains(text: string): RecordChain[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new ConfigError('expected at least one chain', { source: '--chains', hint: `Use a comma-separated list of: ${RECORD_CHAINS.join(', ')}.` });
  for (const n of names) {
    if (!(RECORD_CHAINS as readonly string[]).includes(n)) {
      throw new ConfigError(`unknown chain "${n}"`, { source: '--chains', hint: `Use a comma-separated list of: ${RECORD_CHAINS.join(', ')}.` });
    }
  }
  return [...new Set(names)] as RecordChain[];
}

/** Exports a run directory in one format. Throws ConfigError for a bad run directory, format, chain list or --out. */
export async function exportRun(config: ExportConfig, deps: ExportDeps = {}): Promise<ExportSummary> {
  const logger = deps.logger ?? silentLogger;
  const format = getExportFormat(config.format);
  const out = config.out ?? '-';
  const chains = checkChains(config, format);
  const { hasRollouts } = await openRunDir(config.runDir);
  const files = hasRollouts ? await listSesFiles(config.runDir, deps.signal) : [];
  if (files.length === 0) logger.warn(`${config.runDir} has no ses files: nothing to export`);
  const sink = await openSink(format, out, deps.stdout);
  const counts: ExportCounts = {};
  try {
    for (const file of files) {
      throwIfAborted(deps.signal);
      const { ses } = await readSes(config.runDir, file);
      const records = path.join(config.runDir, ses.artifacts.records);
      await format.exportSession(
        { ses, file, records: (opts) => streamRecords(records, opts?.uncounted ? {} : counts) },
        { chains: new Set(chains), sink, counts, signal: deps.signal },
      );
    }
    throwIfAborted(deps.signal);
    await sink.commit();
  } catch (err) {
    await sink.abort();
    throw err;
  }
  return { format: config.format, run_dir: config.runDir, out, sessions: files.length, counts };
}

function checkChains(config: ExportConfig, format: ExportFormat): RecordChain[] {
  if (!config.chains) return [...RECORD_CHAINS];
  if (!format.chainsFlag) {
    throw new ConfigError(`--chains does not apply to ${config.format}`, {
      source: '--chains',
      hint: `${config.format} exports each session's main conversation; drop --chains (it selects records for rl-jsonl and atif).`,
    });
  }
  for (const c of format.requiredChains ?? []) {
    if (!config.chains.includes(c)) {
      throw new ConfigError(`${config.format} needs the ${c} chain`, { source: '--chains', hint: `Add ${c} (e.g. --chains ${[c, ...config.chains].join(',')}): it is the root trajectory.` });
    }
  }
  return [...config.chains];
}

function openSink(format: ExportFormat, out: string, stdout: Writable | undefined): Promise<OpenSink> {
  if (out === '-') {
    if (!stdout) throw new ConfigError('no stdout to write to', { source: '--out', hint: 'Pass a file or directory with --out, or a stdout stream in the library call.' });
    return Promise.resolve(streamSink(stdout));
  }
  return format.output === 'tree' ? dirSink(out) : fileSink(out);
}

export type { ExportCounts, ExportFormat } from './types.js';
export { ATIF_SCHEMA_VERSION, type AtifTrajectory } from './atif.js';
export type { RlLine } from './rl-jsonl.js';
export type { SessionLine } from './sessions-jsonl.js';
export { sessionReward } from './session-reward.js';
