// Trainer-owned inference over HTTP (the pull API, for Python trainers): each completion request waits in a queue
// until a trainer takes it (long-poll) and posts the answer, streamed or whole; the agent's stream is fed from the
// trainer's upload as it arrives. Requests the trainer cannot answer in time fail as a retryable upstream timeout
// (the gateway queues a new attempt); a request whose agent went away is cancelled and the trainer is told.
// The HTTP side (routes, payloads) is trainer/routes.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http-io.js';
import { AbortReason } from '../sessions.js';
import type { Upstream, UpstreamRequestMeta } from '../upstream.js';
import type { UpstreamReply } from '../upstream-reply.js';
import { requestReply } from './feed.js';
import { TRAINER_REQUEST_HEADER, TrainerTimeoutError, trainerRequest, type TrainerRequest } from './types.js';

/** Where a request stands: queued, taken by a trainer, being answered, answered, or cancelled / failed. */
export type TrainerRequestState = 'pending' | 'taken' | 'answering' | 'answered' | 'cancelled' | 'timed_out' | 'failed';

/** A cancellation the trainer has not been told about yet (it took the request; now nobody wants the answer). */
export interface TrainerCancellation {
  id: string;
  /** `client_disconnected`, `session_closed`, `overloaded` (the gateway is closing), `timeout`, … */
  reason: string;
}

/** What one poll returns. */
export interface TrainerPoll {
  requests: TrainerRequest[];
  cancelled: TrainerCancellation[];
}

interface Entry {
  request: TrainerRequest;
  state: TrainerRequestState;
  resolve(reply: UpstreamReply): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  /** The completion's signal (agent gone, session closed) and our own for the answer (timeout, cancellation). */
  signal: AbortSignal;
  own: AbortController;
  /** The trainer's answer upload, while it is being read. */
  answer?: { req: IncomingMessage; res: ServerResponse };
}

interface Waiter {
  max: number;
  resolve(poll: TrainerPoll): void;
}

/** Ended requests remembered for status lookups and late answers (409 instead of 404). */
const FINISHED_KEPT = 4096;

/** The pull queue as the gateway's upstream. */
export class TrainerQueue implements Upstream {
  readonly displayUrl = 'trainer (pull API)';
  private readonly entries = new Map<string, Entry>();
  private readonly pending: string[] = [];
  private readonly waiters = new Set<Waiter>();
  private cancelled: TrainerCancellation[] = [];
  private readonly finished = new Map<string, TrainerRequestState>();
  private closed = false;

  /** @param timeoutMs longest wait for an answer to start (taken and posted), and between two pieces of a streamed answer */
  constructor(private readonly timeoutMs: number) {}

  /** Queues one request; resolves with the trainer's answer once it starts arriving. */
  chat(body: string, meta: UpstreamRequestMeta, signal: AbortSignal): Promise<UpstreamReply> {
    if (this.closed) return Promise.reject(new Error('the gateway is shutting down'));
    const request = trainerRequest(body, meta);
    return new Promise<UpstreamReply>((resolve, reject) => {
      const own = new AbortController();
      const entry: Entry = { request, state: 'pending', resolve, reject, signal: own.signal, own, timer: setTimeout(() => this.timeOut(entry), this.timeoutMs) };
      const onAbort = () => this.cancel(entry, signal.reason instanceof AbortReason ? signal.reason.error.kind : 'cancelled', signal.reason);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      own.signal.addEventListener('abort', () => signal.removeEventListener('abort', onAbort), { once: true });
      this.entries.set(request.id, entry);
      this.pending.push(request.id);
      this.wake();
    });
  }

  /** Takes up to `max` pending requests and every untold cancellation; waits up to `waitMs` for one when there is none. */
  poll(max: number, waitMs: number, signal: AbortSignal): Promise<TrainerPoll> {
    const now = this.drain(max);
    if (now.requests.length > 0 || now.cancelled.length > 0 || waitMs <= 0 || this.closed) return Promise.resolve(now);
    return new Promise<TrainerPoll>((resolve) => {
      const waiter: Waiter = { max, resolve: (p) => finish(p) };
      const timer = setTimeout(() => finish({ requests: [], cancelled: [] }), waitMs);
      const onGone = () => finish({ requests: [], cancelled: [] });
      const finish = (p: TrainerPoll) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onGone);
        this.waiters.delete(waiter);
        resolve(p);
      };
      signal.addEventListener('abort', onGone, { once: true });
      this.waiters.add(waiter);
    });
  }

  /** The state of a request (also of one that ended recently), or undefined when unknown. */
  state(id: string): TrainerRequestState | undefined {
    return this.entries.get(id)?.state ?? this.finished.get(id);
  }

  /**
   * Takes the trainer's answer to `id` (its POST body: a chat SSE stream or one JSON body). Answers the POST with 200
   * once the body was read, 409 when the request ended meanwhile (cancelled: the agent went away), 404 when unknown.
   */
  answer(id: string, req: IncomingMessage, res: ServerResponse): void {
    const entry = this.entries.get(id);
    if (!entry || (entry.state !== 'pending' && entry.state !== 'taken')) {
      const state = entry?.state ?? this.finished.get(id);
      req.resume();
      if (!state) return sendJson(res, 404, { error: { type: 'not_found_error', message: `unknown trainer request ${id}` } });
      return sendJson(res, 409, { error: { type: state === 'cancelled' ? 'cancelled' : 'conflict', message: `trainer request ${id} is ${state}` }, state });
    }
    if (entry.state === 'pending') this.pending.splice(this.pending.indexOf(id), 1);
    entry.state = 'answering';
    entry.answer = { req, res };
    const headers: Record<string, string | string[] | undefined> = {
      'content-type': req.headers['content-type'] ?? 'application/json',
      'x-weight-version': req.headers['x-weight-version'],
      [TRAINER_REQUEST_HEADER]: id,
    };
    const reply = requestReply(
      req,
      headers,
      {
        // a stalled stream counts against the same timeout, per piece
        onData: () => entry.timer.refresh(),
        onEnd: () => {
          entry.answer = undefined;
          this.finish(entry, 'answered');
          sendJson(res, 200, { ok: true, id });
        },
        onAbort: (err) => this.endAnswer(entry, 'failed', err.message),
      },
      entry.signal,
    );
    entry.resolve(reply);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const entry of [...this.entries.values()]) this.cancel(entry, 'overloaded', new AbortReason({ status: 503, kind: 'overloaded', message: 'the gateway is shutting down' }));
    for (const w of [...this.waiters]) w.resolve(this.drain(w.max));
  }

  destroy(): Promise<void> {
    return this.close();
  }

  private drain(max: number): TrainerPoll {
    const requests: TrainerRequest[] = [];
    while (requests.length < max && this.pending.length > 0) {
      const entry = this.entries.get(this.pending.shift()!)!;
      entry.state = 'taken';
      requests.push(entry.request);
    }
    const cancelled = this.cancelled;
    this.cancelled = [];
    return { requests, cancelled };
  }

  /** Hands what is waiting to the waiting pollers, one poll each. */
  private wake(): void {
    for (const w of [...this.waiters]) {
      if (this.pending.length === 0 && this.cancelled.length === 0) return;
      w.resolve(this.drain(w.max));
    }
  }

  private timeOut(entry: Entry): void {
    const err = new TrainerTimeoutError(`the trainer did not answer request ${entry.request.id} within ${this.timeoutMs} ms`, entry.request.id);
    this.cancel(entry, 'timeout', err, 'timed_out');
  }

  /** Ends a request nobody will read: rejects the attempt (or fails its answer) and tells the trainer if it took it. */
  private cancel(entry: Entry, reason: string, cause: unknown, state: TrainerRequestState = 'cancelled'): void {
    if (!this.entries.has(entry.request.id)) return;
    const err = cause instanceof Error ? cause : new Error(cause instanceof AbortReason ? cause.error.message : `trainer request ${reason}`);
    const told = entry.state === 'taken' || entry.state === 'answering';
    if (entry.state === 'pending') this.pending.splice(this.pending.indexOf(entry.request.id), 1);
    if (entry.state === 'answering') this.endAnswer(entry, state, `the request was cancelled (${reason})`);
    else this.finish(entry, state);
    entry.own.abort(err);
    entry.reject(err);
    if (told) {
      this.cancelled.push({ id: entry.request.id, reason });
      this.wake();
    }
  }

  /** Ends an answer upload early: the trainer's POST gets a 409 and the rest of its body is drained. */
  private endAnswer(entry: Entry, state: TrainerRequestState, message: string): void {
    const answer = entry.answer;
    if (!answer) return;
    entry.answer = undefined;
    this.finish(entry, state);
    entry.own.abort(new Error(message));
    sendJson(answer.res, 409, { error: { type: state === 'cancelled' ? 'cancelled' : 'conflict', message }, state });
    answer.req.removeAllListeners('data');
    answer.req.resume();
  }

  private finish(entry: Entry, state: TrainerRequestState): void {
    clearTimeout(entry.timer);
    entry.state = state;
    if (!this.entries.delete(entry.request.id)) return;
    this.finished.set(entry.request.id, state);
    if (this.finished.size > FINISHED_KEPT) this.finished.delete(this.finished.keys().next().value!);
  }
}
