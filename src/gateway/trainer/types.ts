// Trainer-owned inference: the gateway holds each completion request and the trainer answers it, over HTTP (the pull
// API, trainer/pull.ts) or in-process (a callback, trainer/callback.ts). Both see the same request object and answer
// the same way: a vLLM-shaped chat completion, whole or streamed, optionally with a `weight_version`. Translation from
// the agent's protocol (Responses, Messages, Gemini, chat) happens before, so every protocol works with both.
import { randomBytes } from 'node:crypto';
import type { RecordChain } from '../chains.js';
import type { ChatRequest, ClientProtocol, RecordKind } from '../protocols/types.js';
import type { UpstreamRequestMeta } from '../upstream.js';

/** Reply header naming the trainer request an answer came from (the record's `attempts[].trainer_request_id`). */
export const TRAINER_REQUEST_HEADER = 'x-swebench-trainer-request-id';

/** One completion request as a trainer sees it: the pull API's payload and the callback's argument. */
export interface TrainerRequest {
  /** Unique per attempt (a retried attempt is a new request). */
  id: string;
  session_id: string;
  instance_id: string | null;
  /** 1-based arrival order of the completion in its session (the record's `seq`). */
  seq: number;
  /** 1-based position in its chain (the record's `turn`): 1 is the first call of the main agent, a sub-agent, … */
  turn: number;
  /** 1-based attempt of this completion (retries after a failed or timed-out answer). */
  attempt: number;
  kind: RecordKind;
  chain: RecordChain;
  /** The protocol the agent spoke; the request below is canonical chat whatever it was. */
  client_protocol: ClientProtocol | null;
  created_at: string;
  /**
   * The canonical OpenAI chat-completions request, exactly what a vLLM upstream would get: the upstream model, the
   * output cap, and with --capture-tokens `return_token_ids`/`logprobs` (and `prompt_logprobs` when asked).
   */
  request: ChatRequest;
}

/** What a trainer callback gets besides the request. */
export interface TrainerContext {
  /** Fires when the agent disconnected, the session closed or the answer timed out: stop generating. */
  signal: AbortSignal;
}

/** One chat chunk or completion object (vLLM's shapes; `weight_version` may ride on any of them). */
export type ChatObject = Record<string, unknown>;

/**
 * A callback's answer: a `chat.completion` object (with `prompt_token_ids`, `choices[0].token_ids`, `logprobs`
 * when asked, and optionally `weight_version`), or an async iterable of `chat.completion.chunk` objects (streamed to
 * the agent as they come). An `{error: {message, code?}}` object is an upstream error.
 */
export type TrainerReply = ChatObject | AsyncIterable<ChatObject>;

/** The library form of trainer-owned inference: `startGateway({ upstream: async (request, ctx) => reply })`. */
export type TrainerHandler = (request: TrainerRequest, ctx: TrainerContext) => Promise<TrainerReply>;

/** The request object for one attempt. */
export function trainerRequest(body: string, meta: UpstreamRequestMeta): TrainerRequest {
  return {
    id: `treq_${randomBytes(12).toString('hex')}`,
    session_id: meta.sessionId,
    instance_id: meta.instanceId ?? null,
    seq: meta.seq ?? 0,
    turn: meta.turn ?? 0,
    attempt: meta.attempt ?? 1,
    kind: meta.kind ?? 'turn',
    chain: meta.chain ?? 'main',
    client_protocol: meta.clientProtocol ?? null,
    created_at: new Date().toISOString(),
    request: JSON.parse(body) as ChatRequest,
  };
}

/** The trainer did not take or answer a request in time: a retryable upstream failure (a new attempt is queued). */
export class TrainerTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(
    message: string,
    /** The request that timed out (recorded as the attempt's `trainer_request_id`). */
    readonly trainerRequestId: string,
  ) {
    super(message);
    this.name = 'TrainerTimeoutError';
  }
}
