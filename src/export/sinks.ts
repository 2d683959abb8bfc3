// Where export output goes, all-or-nothing for files: a JSONL file is written to a temporary sibling and renamed at
// the end; an ATIF directory is built in a temporary sibling directory and renamed at the end. A failed or
// cancelled export removes its temporary and leaves --out as it was. Stdout streams (nothing to roll back).
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { ConfigError, EXIT_CODES, SwebenchError } from '../errors.js';
import type { ExportSink } from './types.js';

/** A sink plus how to finish it: `commit` makes the output appear, `abort` removes what was written. */
export interface OpenSink extends ExportSink {
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** Writes a line to a stream, waiting for it to drain when its buffer is full (a 500-task run never piles up). */
async function writeLine(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    stream.once('error', onError);
    stream.once('drain', () => {
      stream.off('error', onError);
      resolve();
    });
  });
}

/** The reader of stdout went away (`export … | head`): the export stops; the CLI ends quietly. */
export class OutputClosedError extends SwebenchError {
  constructor() {
    super('the output stream was closed by its reader', { code: 'E_OUTPUT_CLOSED', exitCode: EXIT_CODES.ok });
  }
}

/** JSONL to a stream the caller owns (stdout). A closed pipe (EPIPE) ends the export with OutputClosedError. */
export function streamSink(stream: Writable): OpenSink {
  let closed = false;
  const onError = (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') closed = true;
  };
  stream.on('error', onError);
  const done = async () => {
    stream.off('error', onError);
  };
  return {
    async write(doc) {
      if (closed) throw new OutputClosedError();
      try {
        await writeLine(stream, `${JSON.stringify(doc)}\n`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EPIPE') throw new OutputClosedError();
        throw err;
      }
      if (closed) throw new OutputClosedError();
    },
    commit: done,
    abort: done,
  };
}

const tmpName = (target: string) => `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;

/** JSONL to `file`, through a temporary sibling renamed at commit. */
export async function fileSink(file: string): Promise<OpenSink> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  if (await stat(file).then((s) => s.isDirectory(), () => false)) {
    throw new ConfigError(`${file} is a directory`, { source: '--out', hint: 'This format writes one JSONL file: pass a file name (or - for stdout).' });
  }
  const tmp = tmpName(file);
  const out: WriteStream = createWriteStream(tmp, { flags: 'wx' });
  await new Promise<void>((resolve, reject) => out.once('open', () => resolve()).once('error', reject));
  const close = () => new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return {
    write: (doc) => writeLine(out, `${JSON.stringify(doc)}\n`),
    async commit() {
      await close();
      await rename(tmp, file);
    },
    async abort() {
      await close().catch(() => undefined);
      await rm(tmp, { force: true });
    },
  };
}

/** One pretty JSON file per document under `dir`, built in a temporary sibling renamed at commit; `dir` must be absent or empty. */
export async function dirSink(dir: string): Promise<OpenSink> {
  const existing = await stat(dir).catch(() => null);
  if (existing && !existing.isDirectory()) {
    throw new ConfigError(`${dir} is a file`, { source: '--out', hint: 'This format writes one file per session: pass a directory (absent or empty), or - for JSONL on stdout.' });
  }
  if (existing && (await readdir(dir)).length > 0) {
    throw new ConfigError(`${dir} is not empty`, { source: '--out', hint: 'Pass a new or empty directory (nothing is overwritten), or remove it first.' });
  }
  await mkdir(path.dirname(path.resolve(dir)), { recursive: true });
  const tmp = tmpName(dir);
  await mkdir(tmp);
  return {
    async write(doc, relPath) {
      const file = path.join(tmp, relPath);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, `${JSON.stringify(doc, null, 2)}\n`);
    },
    async commit() {
      if (existing) await rmdir(dir);
      await rename(tmp, dir);
    },
    abort: () => rm(tmp, { recursive: true, force: true }),
  };
}
