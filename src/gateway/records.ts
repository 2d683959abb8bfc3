// The per-session record log: one JSON line per client completion request, appended with a single write
// as the request finishes (crash-safe, nothing kept in memory), secrets redacted before the write.
import { randomBytes } from 'node:crypto';
import { close, open, write, writeSync, writev, writevSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { redact } from '../logger.js';
import type { RecordChain } from './chains.js';
import type { AssembledCompletion, ClientProtocol, ChatUsage, ProtocolError, RecordKind } from './protocols/types.js';
import type { PrefixRecord, TokenRecord } from './token-trace.js';

/** One upstream attempt of a completion (retries and the discarded reasoning-only attempt included). */
export interface AttemptRecord {
  n: number;
  /** Upstream HTTP status, or null when no response arrived (connection refused, reset, …). */
  status: number | null;
  error?: string;
  /** True for a reasoning-only attempt that was silently retried. */
  discarded?: true;
  usage?: ChatUsage;
  /** Id of the request the trainer answered (trainer-owned inference only): the pull API's `id`. */
  trainer_request_id?: string;
}

/** One line of `records.jsonl`. */
export interface CompletionRecord {
  session_id: string;
  instance_id: string | null;
  /** 1-based order of arrival within the session. */
  seq: number;
  kind: RecordKind;
  /** The chain the completion belongs to (chains.ts): main, subagent, compaction, title or auxiliary. */
  chain: RecordChain;
  /** `main`, `compaction`, `title`, `auxiliary` or `subagent:<hash of its system prompt>`: one id per agent. */
  chain_id: string;
  /** 1-based position in its chain by arrival (0 when the request failed before it could be placed). */
  turn: number;
  client_protocol: ClientProtocol;
  /** Method, path, headers minus credentials, body (parsed JSON, or `body_text` when it did not parse). */
  client_request: { method: string; path: string; headers: Record<string, string | string[]>; body?: unknown; body_text?: string };
  /** The chat request sent upstream (null when the request failed before translation). */
  upstream_request: unknown;
  /** The final attempt's assembled upstream response (null when none arrived); its token fields move to `tokens`. */
  response: AssembledCompletion | null;
  /** Token ids and logprobs of the final attempt, when the upstream or trainer sent token ids (`--capture-tokens`). */
  tokens?: TokenRecord;
  /** How the prompt ids continue the chain's earlier completion (token-trace.ts); set with `tokens`. */
  prefix?: PrefixRecord;
  /** The policy version the trainer or upstream reported for the final attempt; null when none did. */
  weight_version: string | number | null;
  status: 'ok' | 'error';
  error?: ProtocolError;
  /** Status of the HTTP response to the client (200 for an in-stream error; 499 when the client went away first). */
  http_status: number;
  attempts: AttemptRecord[];
  timings: {
    /** ISO time the request arrived. */
    start: string;
    /** Request arrival to the first generated upstream delta of the final attempt. */
    ttft_ms: number | null;
    total_ms: number;
  };
}

/**
 * JSON texts already in hand for the two big parts of a record: the client body as it arrived (it parsed as
 * JSON) and the upstream request as sent. Spliced into the line instead of serialising those values again,
 * which on agent-sized requests (tens to hundreds of KiB, twice per record) was most of a record's cost. A
 * raw part, when on one line, stands for `client_request.body` / `upstream_request` whatever those hold (the
 * gateway then does not keep the parsed values around).
 */
export interface RawRecordParts {
  clientBody?: string;
  upstreamRequest?: string;
}

// A placeholder no client can produce: rendered by JSON.stringify as a string starting with an escaped NUL and a
// per-process random nonce, then replaced by the raw JSON text.
const NONCE = randomBytes(8).toString('hex');
const BODY_MARK = `\u0000swebench-body-${NONCE}`;
const UPSTREAM_MARK = `\u0000swebench-upstream-${NONCE}`;

/** True when `text` can go into a JSONL line as it is: one line (a JSON text's only raw line breaks are whitespace). */
export function isOneLine(text: string | undefined): text is string {
  return text !== undefined && !text.includes('\n') && !text.includes('\r');
}

/**
 * The record as the pieces of one JSON line (no newline), for writing without concatenating them first. The raw
 * parts (when given and on one line) are pieces of their own, as they are: the line parses to the same record.
 * A client body nested deeper than JSON.stringify's recursion allows (JSON.parse takes any depth) would
 * otherwise lose the whole record: such a part is replaced by a note and the record is kept.
 */
export function recordPieces(record: CompletionRecord, raw: RawRecordParts = {}): string[] {
  const rawBody = isOneLine(raw.clientBody) ? raw.clientBody : undefined;
  const rawUpstream = isOneLine(raw.upstreamRequest) ? raw.upstreamRequest : undefined;
  if (rawBody === undefined && rawUpstream === undefined) return [serialise(record)];
  const shell: CompletionRecord = {
    ...record,
    client_request: rawBody === undefined ? record.client_request : { ...record.client_request, body: BODY_MARK },
    upstream_request: rawUpstream === undefined ? record.upstream_request : UPSTREAM_MARK,
  };
  // Each rendered placeholder occurs exactly once (no text from outside can hold the nonce), the client body's
  // first, so the line is cut at the first occurrence of each, in order.
  const pieces: string[] = [];
  let rest = serialise(shell);
  for (const [mark, text] of [
    [BODY_MARK, rawBody],
    [UPSTREAM_MARK, rawUpstream],
  ] as const) {
    if (text === undefined) continue;
    const rendered = JSON.stringify(mark);
    const at = rest.indexOf(rendered);
    if (at < 0) continue;
    pieces.push(rest.slice(0, at), text);
    rest = rest.slice(at + rendered.length);
  }
  pieces.push(rest);
  return pieces;
}

/** The record as one JSON line (no newline): `recordPieces` joined. */
export function recordJson(record: CompletionRecord, raw: RawRecordParts = {}): string {
  return recordPieces(record, raw).join('');
}

function serialise(record: CompletionRecord): string {
  try {
    return JSON.stringify(record);
  } catch (err) {
    const note = `[not recorded: ${(err as Error).message}]`;
    const safe = (v: unknown): unknown => {
      try {
        JSON.stringify(v);
        return v;
      } catch {
        return note;
      }
    };
    return JSON.stringify({
      ...record,
      client_request: { ...record.client_request, body: safe(record.client_request.body) },
      upstream_request: safe(record.upstream_request),
      response: safe(record.response),
    });
  }
}

const NEWLINE = Buffer.from('\n');

/**
 * Records up to this size are written synchronously; bigger ones (agent conversations of tens of KiB, twice per
 * record) from the thread pool, in order: a big write can wait for page-cache writeback and would hold every
 * stream of the gateway meanwhile.
 */
const SYNC_WRITE_MAX = 64 * 1024;

/** How long a writer keeps its file open after the last record (a later record opens it again). */
const IDLE_CLOSE_MS = 5000;

/**
 * Appends records to one file through a descriptor kept open while records keep coming. Each record is one
 * synchronous writev(2) of one line into the page cache (a few µs; lines never interleave): on the hot path this
 * beats an asynchronous write, whose thread-pool round trip costs several futex wake-ups and context switches
 * per completion, and it means a record is in the kernel before the client sees the end of its completion.
 * Creating the directory and opening the file (slow on some file systems) stay off the event loop; records
 * that arrive meanwhile queue behind the open, in order. Records over SYNC_WRITE_MAX go through the thread pool
 * (queued the same way), so that a disk under writeback pressure holds the event loop for small writes only.
 */
export class RecordWriter {
  private fd: number | undefined;
  private dirReady = false;
  private idle: NodeJS.Timeout | undefined;
  /** Records waiting for the file to open, in order (undefined when none). */
  private queue: Promise<void> | undefined;

  constructor(readonly file: string) {}

  /** Writes one record; resolves once it is written. Write failures reject (the caller logs them). */
  append(record: CompletionRecord, raw?: RawRecordParts): Promise<void> {
    let bufs: Buffer[];
    try {
      // redacted piece by piece (no flattened copy of the whole line): a secret is a token, which cannot
      // straddle two pieces, since every boundary between them is JSON punctuation
      bufs = recordPieces(record, raw).map((p) => Buffer.from(redact(p), 'utf8'));
      bufs.push(NEWLINE);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    let size = 0;
    for (const b of bufs) size += b.length;
    const sync = size <= SYNC_WRITE_MAX;
    if (sync && this.fd !== undefined && this.queue === undefined) {
      try {
        this.write(this.fd, bufs, size);
        return Promise.resolve();
      } catch (err) {
        this.release(); // reopen for the next record
        return Promise.reject(err as Error);
      }
    }
    const written = (this.queue ?? Promise.resolve()).then(async () => {
      try {
        const fd = this.fd ?? (await this.open());
        if (sync) this.write(fd, bufs, size);
        else await this.writeFromPool(fd, bufs, size);
      } catch (err) {
        this.release();
        throw err;
      }
    });
    const queue = written.catch(() => undefined);
    this.queue = queue;
    void queue.then(() => {
      if (this.queue === queue) this.queue = undefined;
    });
    return written;
  }

  /** Resolves when every record appended so far is written (or failed). */
  flush(): Promise<void> {
    return this.queue ?? Promise.resolve();
  }

  /** Writes what is queued, then releases the file descriptor (a later append opens it again). */
  async close(): Promise<void> {
    await this.flush();
    if (this.queue === undefined) this.release();
  }

  private async open(): Promise<number> {
    if (!this.dirReady) {
      await mkdir(path.dirname(this.file), { recursive: true });
      this.dirReady = true;
    }
    this.fd = await new Promise<number>((resolve, reject) => open(this.file, 'a', (err, fd) => (err ? reject(err) : resolve(fd))));
    return this.fd;
  }

  /** One writev(2) of the whole line in the common case; a short write is finished with plain writes. */
  private write(fd: number, bufs: Buffer[], size: number): void {
    const done = writevSync(fd, bufs);
    if (done < size) {
      const rest = Buffer.concat(bufs).subarray(done);
      for (let off = 0; off < rest.length; ) off += writeSync(fd, rest, off, rest.length - off);
    }
    this.touch();
  }

  /** The same write from the thread pool, for a record too big to write on the event loop. */
  private async writeFromPool(fd: number, bufs: Buffer[], size: number): Promise<void> {
    this.touch();
    const done = await new Promise<number>((resolve, reject) => writev(fd, bufs, (err, n) => (err ? reject(err) : resolve(n))));
    if (done < size) {
      const rest = Buffer.concat(bufs).subarray(done);
      for (let off = 0; off < rest.length; ) {
        off += await new Promise<number>((resolve, reject) => write(fd, rest, off, rest.length - off, null, (err, n) => (err ? reject(err) : resolve(n))));
      }
    }
    this.touch();
  }

  /** Keeps the file open for another IDLE_CLOSE_MS. */
  private touch(): void {
    if (this.idle) this.idle.refresh();
    else this.idle = setTimeout(() => this.release(), IDLE_CLOSE_MS).unref();
  }

  private release(): void {
    clearTimeout(this.idle);
    this.idle = undefined;
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    close(fd, () => undefined);
  }
}
