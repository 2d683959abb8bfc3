// Streams a session's records.jsonl line by line (a record can be hundreds of KiB; a session thousands of them).
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { CompletionRecord } from '../gateway/records.js';
import { count, type ExportCounts } from './types.js';

/** The records of one file in order; a missing file has none; a line that does not parse (a crash mid-write) is counted. */
export async function* streamRecords(file: string, counts: ExportCounts): AsyncGenerator<CompletionRecord> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const opened = await new Promise<boolean>((resolve, reject) => {
    input.once('open', () => resolve(true));
    input.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? resolve(false) : reject(err)));
  });
  if (!opened) return;
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (line.trim() === '') continue;
      let rec: unknown;
      try {
        rec = JSON.parse(line);
      } catch {
        count(counts, 'unreadable_record_lines');
        continue;
      }
      if (typeof rec === 'object' && rec !== null && typeof (rec as { seq?: unknown }).seq === 'number') yield rec as CompletionRecord;
      else count(counts, 'unreadable_record_lines');
    }
  } finally {
    lines.close();
    input.destroy();
  }
}
