// Trainer-owned inference in the library: every completion request goes to a callback, which answers with a chat
// completion (whole) or an async iterable of chunks (streamed to the agent as they come).
import type { Upstream, UpstreamRequestMeta } from '../upstream.js';
import type { UpstreamReply } from '../upstream-reply.js';
import { iterableReply, objectReply } from './feed.js';
import { TRAINER_REQUEST_HEADER, TrainerTimeoutError, trainerRequest, type ChatObject, type TrainerHandler, type TrainerReply } from './types.js';

/** The callback as the gateway's upstream. */
export class CallbackUpstream implements Upstream {
  readonly displayUrl = 'trainer (library callback)';

  /** @param timeoutMs longest wait for the callback's answer (its first chunk, when streamed) before the attempt fails and is retried */
  constructor(
    private readonly handler: TrainerHandler,
    private readonly timeoutMs: number,
  ) {}

  async chat(body: string, meta: UpstreamRequestMeta, signal: AbortSignal): Promise<UpstreamReply> {
    const request = trainerRequest(body, meta);
    // the callback's signal: the completion's (agent gone, session closed, gateway closing) or our timeout
    const own = new AbortController();
    const follow = () => own.abort(signal.reason);
    if (signal.aborted) follow();
    else signal.addEventListener('abort', follow, { once: true });
    let timer: NodeJS.Timeout | undefined;
    try {
      const answered = this.handler(request, { signal: own.signal });
      answered.catch(() => undefined);
      const stopped = new Promise<never>((_, reject) => {
        const fail = () => reject(own.signal.reason instanceof Error ? own.signal.reason : new Error('the request was aborted'));
        if (own.signal.aborted) return fail();
        own.signal.addEventListener('abort', fail, { once: true });
        timer = setTimeout(() => own.abort(new TrainerTimeoutError(`the trainer callback did not answer request ${request.id} within ${this.timeoutMs} ms`, request.id)), this.timeoutMs);
      });
      stopped.catch(() => undefined);
      return replyOf(await Promise.race([answered, stopped]), { [TRAINER_REQUEST_HEADER]: request.id }, own.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  // nothing of its own to release: the gateway aborts in-flight completions (and so their callbacks) before closing
  async close(): Promise<void> {}

  async destroy(): Promise<void> {}
}

function replyOf(value: TrainerReply, headers: Record<string, string>, signal: AbortSignal): UpstreamReply {
  if (value && typeof (value as AsyncIterable<ChatObject>)[Symbol.asyncIterator] === 'function') {
    return iterableReply(value as AsyncIterable<ChatObject>, headers, signal);
  }
  if (!value || typeof value !== 'object') throw new Error(`the trainer callback answered ${JSON.stringify(value)}, not a chat completion`);
  return objectReply(value as ChatObject, headers, signal);
}
