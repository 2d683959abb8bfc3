// What the gateway itself adds to every translated request before it goes upstream, whatever the client
// protocol: the upstream model, streaming with usage (so records always have usage), the output cap, and
// token-id/logprob capture.
import type { ChatRequest } from './protocols/types.js';

/** Caps `max_tokens` / `max_completion_tokens` at `cap`, and sets `max_tokens` when the client sent neither. */
export function capOutputTokens(req: ChatRequest, cap: number | undefined): ChatRequest {
  if (cap === undefined) return req;
  const out: ChatRequest = { ...req };
  let had = false;
  for (const key of ['max_tokens', 'max_completion_tokens'] as const) {
    const v = out[key];
    if (typeof v === 'number') {
      had = true;
      if (v > cap) out[key] = cap;
    }
  }
  if (!had) out.max_tokens = cap;
  return out;
}

/**
 * The exact body sent upstream. Streaming with usage, except with prompt logprobs: vLLM refuses `prompt_logprobs`
 * with `stream: true` (and `stream_options` without it), so those requests are sent whole and the gateway streams the
 * answer to the client from the one body.
 */
export function prepareUpstreamRequest(
  req: ChatRequest,
  opts: { upstreamModel: string; maxOutputTokens?: number; captureTokens: boolean; promptLogprobs?: number },
): ChatRequest {
  const streamOptions = req.stream_options && typeof req.stream_options === 'object' ? req.stream_options : {};
  const out: ChatRequest = { ...capOutputTokens(req, opts.maxOutputTokens), model: opts.upstreamModel };
  if (opts.captureTokens && opts.promptLogprobs !== undefined) {
    out.stream = false;
    delete out.stream_options;
    out.prompt_logprobs = opts.promptLogprobs;
  } else {
    out.stream = true;
    out.stream_options = { ...streamOptions, include_usage: true };
  }
  if (opts.captureTokens) {
    out.return_token_ids = true;
    if (out.logprobs !== true) out.logprobs = true;
  }
  return out;
}
