// One client completion, end to end, for every protocol: parse → translate → upstream (retries, silent
// retry of reasoning-only output) → stream or assemble back to the client → exactly one record.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { redact, type Logger } from '../logger.js';
import { CompletionAssembler, completionToChunks, hasAnyDelta, isReasoningOnly } from './assemble.js';
import { systemFingerprint } from './chains.js';
import { tokenRecordOf, withoutTokens } from './token-trace.js';
import { scrubHeaders } from './auth.js';
import { BodyError, readBody } from './http-io.js';
import { backoffMs, type RetryPolicy } from './options.js';
import { ProtocolRequestError, type AssembledCompletion, type ChatChunk, type Protocol, type ProtocolError, type RecordKind, type TranslateContext } from './protocols/types.js';
import { isOneLine, type AttemptRecord, type CompletionRecord, type RawRecordParts } from './records.js';
import type { Sealer } from './seal.js';
import { TRAINER_REQUEST_HEADER, TrainerTimeoutError } from './trainer/types.js';
import type { Upstream, UpstreamRequestMeta } from './upstream.js';
import { AbortReason, type Session } from './sessions.js';
import { JsonSink, StreamSink, type Sink } from './sinks.js';
import { readSseReply } from './sse.js';
import type { UpstreamReply } from './upstream-reply.js';
import { failureFromException, failureFromStatus, failureFromStreamError, type UpstreamFailure } from './upstream-errors.js';
import { prepareUpstreamRequest } from './upstream-request.js';

/** What a completion needs from the gateway. */
export interface CompletionDeps {
  upstream: Upstream;
  upstreamModel: string;
  maxOutputTokens?: number;
  captureTokens: boolean;
  /** With captureTokens: ask for this many prompt logprobs (vLLM `prompt_logprobs`); the upstream request is then not streamed. */
  promptLogprobs?: number;
  retry: RetryPolicy;
  sealer: Sealer;
  logger: Logger;
  maxBodyBytes: number;
}

/** A failure that ends the request with a protocol-shaped error. */
class RequestFailure extends Error {
  constructor(readonly error: ProtocolError) {
    super(error.message);
  }
}

const CLIENT_GONE: ProtocolError = { status: 499, kind: 'client_disconnected', message: 'the client closed the connection' };
/** Largest upstream error body read (the rest is dropped). */
const ERROR_BODY_LIMIT = 256 * 1024;

/** The endpoint a completion came in on: its protocol, and the URL's action where the protocol has one (Gemini). */
export interface CompletionRoute {
  protocol: Protocol;
  action?: string;
}

/** Serves one admitted completion request and writes its record; never throws. */
export async function serveCompletion(
  deps: CompletionDeps,
  { protocol, action }: CompletionRoute,
  session: Session,
  seq: number,
  req: IncomingMessage,
  res: ServerResponse,
  signal: AbortSignal,
): Promise<void> {
  const started = Date.now();
  const rec: CompletionRecord = {
    session_id: session.id,
    instance_id: session.instanceId ?? null,
    seq,
    kind: 'turn',
    chain: 'main',
    chain_id: 'main',
    turn: 0,
    client_protocol: protocol.name,
    client_request: { method: req.method ?? 'POST', path: req.url ?? '', headers: scrubHeaders(req.headers) },
    upstream_request: null,
    response: null,
    weight_version: null,
    status: 'error',
    http_status: 0,
    attempts: [],
    timings: { start: new Date(started).toISOString(), ttft_ms: null, total_ms: 0 },
  };
  const ctx: TranslateContext = {
    upstreamModel: deps.upstreamModel,
    ...(deps.maxOutputTokens === undefined ? {} : { maxOutputTokens: deps.maxOutputTokens }),
    sealReasoning: (text) => deps.sealer.seal(text),
    unsealReasoning: (blob) => deps.sealer.unseal(blob),
  };
  let sink: Sink = new JsonSink(res, protocol, undefined, ctx);
  // the JSON texts of the two big parts of the record, spliced into it instead of serialised again
  const raw: RawRecordParts = {};
  try {
    const body = await parseBody(req, deps.maxBodyBytes, rec, raw);
    rec.kind = safeKind(protocol, body, req.headers);
    const chat = translate(protocol, body, ctx);
    Object.assign(rec, session.chainOf(rec.kind, systemFingerprint(chat)));
    raw.upstreamRequest = JSON.stringify(prepareUpstreamRequest(chat, deps));
    // From here on only JSON texts and the protocol's reply part of the body are kept: the parsed request (the
    // whole conversation) can be collected before the first upstream byte arrives.
    const replyBody = protocol.replyBody ? protocol.replyBody(body) : body;
    sink = protocol.isStream(body, action) ? new StreamSink(res, protocol, replyBody, ctx) : new JsonSink(res, protocol, replyBody, ctx);
    const outcome = await runAttempts(deps, session, raw.upstreamRequest, sink, signal, rec, started);
    if (outcome.assembled) recordResponse(rec, outcome.assembled);
    if (outcome.error) {
      rec.error = outcome.error;
      rec.http_status = await sink.fail(outcome.error);
    } else {
      rec.status = 'ok';
      rec.http_status = await sink.finish(outcome.assembled!);
    }
  } catch (err) {
    const perr = toProtocolError(err, signal, deps.logger);
    rec.status = 'error';
    rec.error = perr;
    rec.http_status = await sink.fail(perr).catch(() => 500);
  } finally {
    rec.timings.total_ms = Date.now() - started;
    try {
      await session.record(rec, raw);
    } catch (err) {
      deps.logger.error(`gateway: cannot write a record of session ${session.id}: ${(err as Error).message}`);
    }
    try {
      sink.end();
    } catch {
      res.destroy();
    }
    const line = `gateway: ${session.id} #${seq} ${protocol.name} ${rec.kind} -> ${rec.http_status} ${rec.status} (${rec.attempts.length} attempt(s), ${rec.timings.total_ms} ms)`;
    if (rec.status === 'ok' || rec.error?.kind === 'client_disconnected') deps.logger.debug(line);
    else deps.logger.warn(`${line}: ${rec.error?.kind}: ${rec.error?.message}`);
  }
}

/** The response into the record: its token fields as the `tokens` block, its policy version at the top. */
function recordResponse(rec: CompletionRecord, a: AssembledCompletion): void {
  const tokens = tokenRecordOf(a);
  rec.response = tokens ? withoutTokens(a) : a;
  if (tokens) rec.tokens = tokens;
  rec.weight_version = a.weight_version ?? null;
}

async function parseBody(req: IncomingMessage, limit: number, rec: CompletionRecord, raw: RawRecordParts): Promise<unknown> {
  let text: string;
  try {
    text = await readBody(req, limit);
  } catch (err) {
    if (err instanceof BodyError) throw new RequestFailure({ status: err.status, kind: 'invalid_request', message: err.message });
    throw err;
  }
  try {
    const body: unknown = JSON.parse(text);
    raw.clientBody = text;
    // the record gets `text`; the parsed value only when the text cannot go into a JSONL line as it is
    if (!isOneLine(text)) rec.client_request.body = body;
    return body;
  } catch (err) {
    rec.client_request.body_text = text.slice(0, 65536);
    throw new RequestFailure({ status: 400, kind: 'invalid_request', message: `request body is not valid JSON: ${(err as Error).message}` });
  }
}

function translate(protocol: Protocol, body: unknown, ctx: TranslateContext) {
  try {
    return protocol.toChat(body, ctx);
  } catch (err) {
    if (err instanceof ProtocolRequestError) throw new RequestFailure({ status: 400, kind: 'invalid_request', message: err.message });
    throw err;
  }
}

function safeKind(protocol: Protocol, body: unknown, headers: IncomingMessage['headers']): RecordKind {
  try {
    return protocol.kind(body, headers);
  } catch {
    return 'turn';
  }
}

/** Attempts until success, a non-retryable failure, or the retry budget is spent. */
async function runAttempts(
  deps: CompletionDeps,
  session: Session,
  body: string,
  sink: Sink,
  signal: AbortSignal,
  rec: CompletionRecord,
  started: number,
): Promise<{ assembled?: AssembledCompletion; error?: ProtocolError }> {
  let retries = 0;
  let discarded = 0;
  for (let n = 1; ; n++) {
    sink.reset();
    const meta: UpstreamRequestMeta = {
      sessionId: session.id,
      kind: rec.kind,
      chain: rec.chain,
      turn: rec.turn,
      seq: rec.seq,
      attempt: n,
      clientProtocol: rec.client_protocol,
      ...(session.instanceId ? { instanceId: session.instanceId } : {}),
    };
    const r = await runAttempt(deps, body, sink, signal, started, meta);
    const attempt: AttemptRecord = { n, status: r.upstreamStatus };
    if (r.trainerRequestId) attempt.trainer_request_id = r.trainerRequestId;
    if (r.assembled?.usage) attempt.usage = r.assembled.usage;
    rec.attempts.push(attempt);
    rec.timings.ttft_ms = r.ttftMs ?? null;
    if (!r.failure) {
      const a = r.assembled!;
      if (!isReasoningOnly(a)) return { assembled: a };
      if (discarded < 1) {
        discarded++;
        attempt.discarded = true;
        attempt.error = 'reasoning-only output (no content, no tool call): retried';
        continue;
      }
      const message = 'the model produced reasoning but neither an answer nor a tool call, twice in a row';
      attempt.error = message;
      return { assembled: a, error: { status: 502, kind: 'empty_output', message } };
    }
    attempt.error = r.failure.error.message;
    if (r.failure.retryable && !sink.committed && retries < deps.retry.maxRetries) {
      retries++;
      const delay = backoffMs(deps.retry, retries, r.failure.retryAfterMs);
      deps.logger.debug(`gateway: ${session.id} upstream ${r.failure.error.kind} (${r.failure.error.message}); retry ${retries} in ${delay} ms`);
      await sleep(delay, undefined, { signal });
      continue;
    }
    return { ...(r.assembled ? { assembled: r.assembled } : {}), error: r.failure.error };
  }
}

interface AttemptResult {
  upstreamStatus: number | null;
  trainerRequestId?: string;
  assembled?: AssembledCompletion;
  failure?: UpstreamFailure;
  ttftMs?: number;
}

/** One upstream request: streams chunks into the sink (which holds them back until visible output). */
async function runAttempt(
  deps: CompletionDeps,
  body: string,
  sink: Sink,
  signal: AbortSignal,
  started: number,
  meta: UpstreamRequestMeta,
): Promise<AttemptResult> {
  let res: UpstreamReply;
  try {
    res = await deps.upstream.chat(body, meta, signal);
  } catch (err) {
    if (signal.aborted) throw err;
    const timedOut = err instanceof TrainerTimeoutError ? { trainerRequestId: err.trainerRequestId } : {};
    return { upstreamStatus: null, failure: failureFromException(err, false), ...timedOut };
  }
  const trainerId = headerText(res.headers[TRAINER_REQUEST_HEADER]);
  const id = trainerId ? { trainerRequestId: trainerId } : {};
  if (res.statusCode !== 200) {
    const text = await res.textCapped(ERROR_BODY_LIMIT);
    return { upstreamStatus: res.statusCode, failure: failureFromStatus(res.statusCode, text, res.headers['retry-after']), ...id };
  }
  const assembler = new CompletionAssembler();
  const headerVersion = headerText(res.headers[WEIGHT_VERSION_HEADER]);
  const assembled = (): AssembledCompletion => {
    const a = assembler.result();
    if (a.weight_version === undefined && headerVersion) a.weight_version = headerVersion;
    return a;
  };
  let ttftMs: number | undefined;
  // Synchronous per chunk: the sink buffers the client bytes of one upstream read and flush() sends them at once.
  // `raw` (the event's JSON text) only while it still matches the chunk: a chunk given `choices` here does not.
  const take = (chunk: ChatChunk, raw?: string) => {
    if (!Array.isArray(chunk.choices)) {
      chunk.choices = [];
      raw = undefined;
    }
    assembler.add(chunk);
    if (ttftMs === undefined && hasAnyDelta(chunk)) ttftMs = Date.now() - started;
    sink.chunk(chunk, raw);
  };
  const partial = (failure: UpstreamFailure): AttemptResult => ({ upstreamStatus: 200, assembled: assembled(), failure, ...id, ...(ttftMs === undefined ? {} : { ttftMs }) });
  try {
    if (!String(res.headers['content-type'] ?? '').includes('text/event-stream')) {
      // A server that ignored `stream: true` and answered one JSON body.
      const parsed = tryJson(await res.text());
      if (!parsed || typeof parsed !== 'object') return partial(malformed('upstream answered 200 with neither an SSE stream nor JSON'));
      const error = (parsed as { error?: unknown }).error;
      if (error) return partial(failureFromStreamError(error));
      for (const chunk of completionToChunks(parsed)) take(chunk); // sent by finish()/end()
    } else {
      let done = false;
      let failure: UpstreamFailure | undefined;
      await readSseReply(res, (events) => {
        for (const ev of events) {
          if (done) continue; // keep reading to the end so the connection can be reused
          if (ev.data === '[DONE]') {
            done = true;
            continue;
          }
          const chunk = tryJson(ev.data) as ChatChunk | undefined;
          if (!chunk || typeof chunk !== 'object') {
            failure = malformed(`upstream sent a malformed stream event: ${redact(ev.data).slice(0, 200)}`);
            return 'stop';
          }
          if (chunk.error) {
            failure = failureFromStreamError(chunk.error);
            return 'stop';
          }
          take(chunk, ev.data);
        }
        // after [DONE] the rest goes out with the terminal events, in one write once the record is written
        return done ? undefined : sink.flush();
      });
      if (failure) return partial(failure);
    }
  } catch (err) {
    if (signal.aborted) throw err;
    return partial(failureFromException(err, true));
  } finally {
    res.destroy(); // no-op once the body ended
  }
  if (!assembler.isFinished) {
    return partial({
      error: { status: 502, kind: 'stream_interrupted', message: 'the upstream stream ended before a finish_reason' },
      retryable: true,
      upstreamStatus: 200,
    });
  }
  return { upstreamStatus: 200, assembled: assembled(), ...id, ...(ttftMs === undefined ? {} : { ttftMs }) };
}

/** Reply header with the policy version of a completion (vLLM-based RL servers and trainers may send it). */
export const WEIGHT_VERSION_HEADER = 'x-weight-version';

function headerText(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s && s.trim() ? s.trim() : undefined;
}

function malformed(message: string): UpstreamFailure {
  return { error: { status: 502, kind: 'upstream_error', message }, retryable: false, upstreamStatus: 200 };
}

function toProtocolError(err: unknown, signal: AbortSignal, logger: Logger): ProtocolError {
  if (signal.aborted) return signal.reason instanceof AbortReason ? signal.reason.error : CLIENT_GONE;
  if (err instanceof RequestFailure) return err.error;
  logger.error(`gateway: internal error: ${redact((err as Error)?.stack ?? String(err))}`);
  return { status: 500, kind: 'internal', message: `internal gateway error: ${redact((err as Error)?.message ?? String(err))}` };
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
