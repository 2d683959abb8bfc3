// Atomic file writes, the one way results files are written: a temporary sibling then a rename, so a reader (a
// resumed run, `swebench report` while `submit` runs, a crash) sees the old content or the new, never half.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Writes `content` to `file` atomically; `mkdir` creates the parent directories first. */
export async function writeFileAtomic(file: string, content: string | Uint8Array, opts: { mkdir?: boolean } = {}): Promise<void> {
  if (opts.mkdir) await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  // pid + random: concurrent writers of one file (two processes, or two queued writes) never share a temp file.
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, content);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** JSON (pretty, `indent` spaces; the official harness's files use 4) plus a newline, atomically. */
export function writeJsonAtomic(file: string, value: unknown, indent = 2): Promise<void> {
  return writeFileAtomic(file, `${JSON.stringify(value, null, indent)}\n`);
}
