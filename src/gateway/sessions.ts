// Session registry: one session per agent run, identified by its URL path and opened by exactly one token.
// Tracks in-flight completions (so close() can abort them and wait for their records), usage and the cap.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { randomToken } from './auth.js';
import { ChainTracker, type ChainRef } from './chains.js';
import { RecordWriter, type AttemptRecord, type CompletionRecord, type RawRecordParts } from './records.js';
import type { RecordKind } from './protocols/types.js';
import { PrefixTracker } from './token-trace.js';
import type { ChatUsage, ProtocolError } from './protocols/types.js';

/** Abort reason of an in-flight completion: what the client should be told, if it is still listening. */
export class AbortReason {
  constructor(readonly error: ProtocolError) {}
}

/** Options for a new session. */
export interface CreateSessionOptions {
  /** SWE-bench instance id; sent upstream as `x-swebench-instance-id` and written in records. */
  instanceId?: string;
  labels?: Record<string, string>;
  /** Completions allowed; the next one gets a 400 `max_completions` error. */
  maxCompletions?: number;
  /** Embedded use only: choose the id (letters, digits, `_.-`). @default 16 random hex digits */
  sessionId?: string;
  /** Embedded use only: write records here. @default `<recordsDir>/<session_id>/records.jsonl` */
  recordsPath?: string;
}

/** What a harness needs to talk to its session. */
export interface SessionCredentials {
  session_id: string;
  token: string;
  /** `<gateway>/s/<session_id>/v1`. */
  base_url: string;
}

/** Session status, as `GET /admin/sessions/:id` returns it. */
export interface SessionStatus {
  session_id: string;
  instance_id: string | null;
  labels: Record<string, string>;
  status: 'open' | 'closed';
  created_at: string;
  last_activity: string;
  closed_at: string | null;
  /** Lines written to records.jsonl. */
  record_count: number;
  /** Records whose status is 'error'. */
  error_count: number;
  in_flight: number;
  max_completions: number | null;
  /** Requests refused because the cap was reached (not recorded). */
  completions_refused: number;
  /** Sum over every upstream attempt that reported usage (discarded attempts included). */
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  records_path: string;
}

/** The embedded session API (`startGateway(...).sessions`). */
export interface GatewaySessions {
  create(opts?: CreateSessionOptions): SessionCredentials;
  get(id: string): SessionStatus | undefined;
  /** Refuses new requests, aborts in-flight ones, and resolves once their records are on disk. */
  close(id: string): Promise<SessionStatus | undefined>;
  /** Resolves once no completion of the session is in flight and every record is on disk (the session stays open). */
  settle(id: string): Promise<SessionStatus | undefined>;
  recordsPath(id: string): string | undefined;
  list(): SessionStatus[];
}

const SESSION_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** One session's state. */
export class Session {
  state: 'open' | 'closed' = 'open';
  readonly createdAt = Date.now();
  lastActivity = this.createdAt;
  closedAt: number | null = null;
  private seq = 0;
  private admitted = 0;
  private refused = 0;
  private recordCount = 0;
  private errorCount = 0;
  private readonly usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  private readonly inflight = new Map<AbortController, Promise<unknown>>();
  private readonly writer: RecordWriter;
  private readonly chains = new ChainTracker();
  private readonly prefixes = new PrefixTracker();

  constructor(
    readonly id: string,
    readonly token: string,
    readonly instanceId: string | undefined,
    readonly labels: Record<string, string>,
    readonly maxCompletions: number | undefined,
    recordsPath: string,
  ) {
    this.writer = new RecordWriter(recordsPath);
  }

  get recordsPath(): string {
    return this.writer.file;
  }

  /** Admits one completion (and numbers it), or says why not. */
  admit(): { ok: true; seq: number } | { ok: false; error: ProtocolError } {
    this.lastActivity = Date.now();
    if (this.state === 'closed') {
      return { ok: false, error: { status: 410, kind: 'session_closed', message: `session ${this.id} is closed` } };
    }
    if (this.maxCompletions !== undefined && this.admitted >= this.maxCompletions) {
      // 400, not 429: every CLI retries a 429 (qwen-code for minutes), and this refusal is final.
      this.refused++;
      return {
        ok: false,
        error: {
          status: 400,
          kind: 'max_completions',
          message: `session ${this.id} reached its completion cap (${this.maxCompletions} completions); no further requests are served`,
        },
      };
    }
    this.admitted++;
    return { ok: true, seq: ++this.seq };
  }

  /** Runs one completion so that close() can abort it and wait for it. */
  async run<T>(controller: AbortController, fn: () => Promise<T>): Promise<T> {
    const p = fn();
    this.inflight.set(controller, p);
    try {
      return await p;
    } finally {
      this.inflight.delete(controller);
      this.lastActivity = Date.now();
    }
  }

  /** The chain of a completion of this kind whose system prompt has this fingerprint (chains.ts). */
  chainOf(kind: RecordKind, fingerprint: string): ChainRef {
    return this.chains.chainOf(kind, fingerprint);
  }

  /**
   * Writes one record and updates counters and usage. A record with token ids gets its prefix verdict here, in the
   * order completions finish (a turn's parent has finished before the turn was sent).
   */
  async record(rec: CompletionRecord, raw?: RawRecordParts): Promise<void> {
    if (rec.tokens) {
      rec.prefix = this.prefixes.check(rec.chain_id, rec.tokens.prompt_ids);
      if (rec.status === 'ok') this.prefixes.remember(rec.seq, rec.chain_id, rec.tokens);
    }
    if (rec.kind === 'compaction' && rec.status === 'ok') this.prefixes.noteCompaction();
    for (const a of rec.attempts) this.addUsage(a);
    await this.writer.append(rec, raw);
    this.recordCount++;
    if (rec.status === 'error') this.errorCount++;
  }

  private addUsage(a: AttemptRecord): void {
    const u = a.usage;
    if (!u) return;
    this.usage.prompt_tokens += num(u.prompt_tokens);
    this.usage.completion_tokens += num(u.completion_tokens);
    this.usage.total_tokens += num(u.total_tokens);
  }

  /** Aborts every in-flight completion with `reason` and waits for them (and their records). */
  async abortInFlight(reason: ProtocolError): Promise<void> {
    for (const c of this.inflight.keys()) c.abort(new AbortReason(reason));
    await this.settled();
  }

  /** Resolves when no completion is in flight and every record is written. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inflight.values()]);
    await this.writer.flush();
  }

  /** Resolves once every queued record write has settled. */
  flushRecords(): Promise<void> {
    return this.writer.flush();
  }

  /** Writes queued records and releases the records file (a later record opens it again). */
  closeRecords(): Promise<void> {
    return this.writer.close();
  }

  get inFlight(): number {
    return this.inflight.size;
  }

  status(): SessionStatus {
    return {
      session_id: this.id,
      instance_id: this.instanceId ?? null,
      labels: this.labels,
      status: this.state,
      created_at: new Date(this.createdAt).toISOString(),
      last_activity: new Date(this.lastActivity).toISOString(),
      closed_at: this.closedAt === null ? null : new Date(this.closedAt).toISOString(),
      record_count: this.recordCount,
      error_count: this.errorCount,
      in_flight: this.inflight.size,
      max_completions: this.maxCompletions ?? null,
      completions_refused: this.refused,
      usage: { ...this.usage },
      records_path: this.recordsPath,
    };
  }
}

/** All sessions of one gateway. */
export class SessionRegistry implements GatewaySessions {
  private readonly sessions = new Map<string, Session>();
  /** Set once the server listens. */
  baseUrl = '';

  constructor(private readonly recordsDir: string) {}

  create(opts: CreateSessionOptions = {}): SessionCredentials {
    const id = opts.sessionId ?? randomBytes(8).toString('hex');
    if (!SESSION_ID_RE.test(id)) {
      throw new ConfigError(`invalid session id ${JSON.stringify(id)}`, {
        path: 'sessionId',
        hint: 'Use 1-128 letters, digits, "_", "." or "-", starting with a letter or digit.',
      });
    }
    if (this.sessions.has(id)) throw new ConfigError(`session ${id} already exists`, { path: 'sessionId' });
    if (opts.maxCompletions !== undefined && !(Number.isInteger(opts.maxCompletions) && opts.maxCompletions > 0)) {
      throw new ConfigError(`maxCompletions must be a positive integer, got ${opts.maxCompletions}`, { path: 'maxCompletions' });
    }
    const token = randomToken('sk-swebench-');
    const recordsPath = opts.recordsPath ?? path.join(this.recordsDir, id, 'records.jsonl');
    this.sessions.set(id, new Session(id, token, opts.instanceId, opts.labels ?? {}, opts.maxCompletions, recordsPath));
    return { session_id: id, token, base_url: `${this.baseUrl}/s/${id}/v1` };
  }

  /** The live session object (internal: carries the token). */
  lookup(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  get(id: string): SessionStatus | undefined {
    return this.sessions.get(id)?.status();
  }

  async close(id: string): Promise<SessionStatus | undefined> {
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (s.state === 'open') {
      s.state = 'closed';
      s.closedAt = Date.now();
    }
    await s.abortInFlight({ status: 410, kind: 'session_closed', message: `session ${id} was closed` });
    await s.closeRecords();
    return s.status();
  }

  async settle(id: string): Promise<SessionStatus | undefined> {
    const s = this.sessions.get(id);
    await s?.settled();
    return s?.status();
  }

  recordsPath(id: string): string | undefined {
    return this.sessions.get(id)?.recordsPath;
  }

  list(): SessionStatus[] {
    return [...this.sessions.values()].map((s) => s.status());
  }

  /** Every session (for shutdown). */
  all(): Session[] {
    return [...this.sessions.values()];
  }
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
