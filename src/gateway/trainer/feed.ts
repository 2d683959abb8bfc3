// Feeds an answer that is not an undici response into an UpstreamReply, so the completion pipeline reads a trainer's
// answer exactly like a model server's: an HTTP request body (the pull API), a whole object, or a chunk iterator.
import type { IncomingMessage } from 'node:http';
import { UpstreamReply } from '../upstream-reply.js';
import type { ChatObject } from './types.js';

type Headers = Record<string, string | string[] | undefined>;

/** How a body source is driven: started when the reader attaches, resumed after the reader paused it, aborted. */
interface Source {
  start(reply: UpstreamReply): void;
  resume(): void;
  abort(err: Error): void;
}

/** A reply fed by `source`; when `signal` fires before the body ended, the reader gets the error and the source stops. */
function feedReply(headers: Headers, source: Source, signal: AbortSignal): UpstreamReply {
  let started = false;
  let reply: UpstreamReply | undefined;
  const resume = () => {
    if (started) return source.resume();
    started = true;
    source.start(reply!);
  };
  reply = new UpstreamReply(200, headers, (err) => source.abort(err), resume);
  const r = reply;
  const onAbort = () => {
    if (r.ended) return;
    const err = signal.reason instanceof Error ? signal.reason : new Error('the request was aborted');
    r.fail(err);
    source.abort(err);
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return reply;
}

/** A whole JSON body (a `chat.completion`, or `{error}`). */
export function objectReply(value: ChatObject, headers: Headers, signal: AbortSignal): UpstreamReply {
  const body = Buffer.from(JSON.stringify(value));
  return feedReply(
    { ...headers, 'content-type': 'application/json' },
    {
      start(reply) {
        reply.push(body);
        reply.complete();
      },
      resume() {},
      abort() {},
    },
    signal,
  );
}

/** Chunks from an async iterator as an SSE stream ending in `[DONE]`; aborting the reply stops the iterator. */
export function iterableReply(chunks: AsyncIterable<ChatObject>, headers: Headers, signal: AbortSignal): UpstreamReply {
  const it = chunks[Symbol.asyncIterator]();
  let wake: (() => void) | undefined;
  return feedReply(
    { ...headers, 'content-type': 'text/event-stream' },
    {
      start(reply) {
        void (async () => {
          try {
            for (;;) {
              const next = await it.next();
              if (reply.ended) return;
              const frame = next.done ? 'data: [DONE]\n\n' : `data: ${JSON.stringify(next.value)}\n\n`;
              if (!reply.push(Buffer.from(frame))) await new Promise<void>((r) => (wake = r));
              if (next.done) return reply.complete();
            }
          } catch (err) {
            reply.fail(err instanceof Error ? err : new Error(String(err)));
          }
        })();
      },
      resume() {
        const w = wake;
        wake = undefined;
        w?.();
      },
      abort() {
        wake?.();
        void it.return?.()?.catch(() => undefined);
      },
    },
    signal,
  );
}

/**
 * An HTTP request body (the trainer's POST) as the reply body, with backpressure: the request is paused while the
 * gateway cannot take more. `onEnd` runs once the body was read to its end, `onAbort` when the gateway stopped reading.
 */
export function requestReply(req: IncomingMessage, headers: Headers, hooks: { onData(): void; onEnd(): void; onAbort(err: Error): void }, signal: AbortSignal): UpstreamReply {
  // nothing may listen to the body before the reader attaches: a 'data' listener would start it flowing into nowhere
  return feedReply(headers, {
    start(reply) {
      req.on('data', (b: Buffer) => {
        hooks.onData();
        if (!reply.push(b)) req.pause();
      });
      req.on('end', () => {
        reply.complete();
        hooks.onEnd();
      });
      req.on('error', (err) => reply.fail(err));
      req.on('close', () => {
        if (!req.complete) reply.fail(new Error('the trainer closed its answer before the end'));
      });
    },
    resume: () => req.resume(),
    abort: (err) => hooks.onAbort(err),
  }, signal);
}
