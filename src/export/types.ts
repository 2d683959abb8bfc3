// What an export format is: one plug-in per file (rl-jsonl.ts, sessions-jsonl.ts, atif.ts), one registry (index.ts).
// The core (export-run.ts) walks the run directory one session at a time and hands each format one session; a
// format writes documents to a sink and counts what it skipped, so nothing of a run is held in memory at once.
import type { RecordChain } from '../gateway/chains.js';
import type { CompletionRecord } from '../gateway/records.js';
import type { SesFile } from '../run/ses-file.js';

/** One session as a format sees it: its ses file and a way to stream its records (as often as the format needs). */
export interface ExportSession {
  ses: SesFile;
  /** The ses file, relative to the run directory. */
  file: string;
  /**
   * Streams records.jsonl in order, each call from the start; lines that do not parse are skipped, and counted
   * unless `uncounted` (a format's second pass over the same file).
   */
  records(opts?: { uncounted?: boolean }): AsyncIterable<CompletionRecord>;
}

/** Where documents go: a JSONL stream (stdout or a file), or files under a directory (`atif --out DIR`). */
export interface ExportSink {
  /** `relPath` names the document's file for a directory sink; a JSONL sink writes it as one line. */
  write(doc: unknown, relPath: string): Promise<void>;
}

/** Counters a format adds to; the summary reports every one that is non-zero. */
export type ExportCounts = Record<string, number>;

export interface ExportContext {
  /** The chains the user asked for (`--chains`), or the format's default. */
  chains: ReadonlySet<RecordChain>;
  sink: ExportSink;
  counts: ExportCounts;
  signal?: AbortSignal;
}

export interface ExportFormat {
  description: string;
  /** `lines`: JSONL, `--out FILE` or stdout. `tree`: one file per session under `--out DIR` (JSONL on stdout). */
  output: 'lines' | 'tree';
  /** Whether `--chains` means anything to the format (sessions-jsonl always exports the main conversation). */
  chainsFlag: boolean;
  /** Chains that must be among `--chains` (atif: the root trajectory is the main chain). */
  requiredChains?: readonly RecordChain[];
  exportSession(session: ExportSession, ctx: ExportContext): Promise<void>;
}

/** Adds `n` to a counter. */
export function count(counts: ExportCounts, key: string, n = 1): void {
  counts[key] = (counts[key] ?? 0) + n;
}
