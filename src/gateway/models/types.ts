// The seam between the built-in model server (HTTP, SSE, token ids, errors) and its policies
// (oracle, noop, replay, chaos): a policy only decides WHAT the model answers, never how it is sent.
import type { Task } from '../../dataset/types.js';
import type { Logger } from '../../logger.js';
import type { ChatRequest, ChatUsage } from '../protocols/types.js';

/** One assistant answer, protocol-free; the server renders it as chunks or as a `chat.completion`. */
export interface ModelReply {
  content: string;
  reasoning?: string;
  tool_calls?: Array<{ id: string; name: string; arguments: string }>;
  finish_reason: 'stop' | 'tool_calls' | 'length';
  /** Usage to report instead of the approximated one (replay keeps the recorded numbers). */
  usage?: ChatUsage;
}

/** How a response is damaged on the wire (chaos); `reasoning-only` and `length` are plain replies instead. */
export type Fault =
  | { kind: 'http'; status: number; type: string; message: string; headers?: Record<string, string> }
  | { kind: 'disconnect'; afterChunks: number }
  | { kind: 'sse-error'; afterChunks: number; message: string }
  | { kind: 'slow'; delayMs: number };

/** What a policy returns for one request. */
export interface PolicyResult {
  reply: ModelReply;
  fault?: Fault;
  /** Extra response headers (chaos announces its decision in `x-swebench-chaos-fault`). */
  headers?: Record<string, string>;
}

/** One validated chat request plus what the gateway told us about it. */
export interface PolicyRequest {
  body: ChatRequest;
  headers: Record<string, string | string[] | undefined>;
  /** From `x-swebench-instance-id`, else `metadata.instance_id` / `user` in the body. */
  instanceId?: string;
  /** From `x-swebench-session-id` (else a `/s/<id>/` path prefix, else `'global'`). */
  sessionKey: string;
  /** 0-based count of earlier requests with the same session key. */
  requestIndex: number;
  /** What the gateway classified the request as (`x-swebench-kind`), when it says. */
  kind?: string;
}

/** A built-in model: decides the answer to one request. */
export interface ModelPolicy {
  respond(req: PolicyRequest): PolicyResult | Promise<PolicyResult>;
}

/** Fault rates of the chaos policy, each a probability in [0, 1]; their sum must not exceed 1. */
export interface ChaosRates {
  /** HTTP 429 with `retry-after`. @default 0 */
  '429'?: number;
  /** HTTP 500 or 503 before the first byte. @default 0 */
  '5xx'?: number;
  /** Socket destroyed after a few chunks, no `[DONE]`. @default 0 */
  disconnect?: number;
  /** Only `reasoning_content` deltas, then finish `stop`. @default 0 */
  'reasoning-only'?: number;
  /** Truncated content with finish `length`. @default 0 */
  length?: number;
  /** An error object inside a 200 SSE stream, then `[DONE]` (vLLM style). @default 0 */
  'sse-error'?: number;
  /** First byte delayed by `slowMs`. @default 0 */
  slow?: number;
}

export interface ChaosOptions {
  /** Policy whose answers chaos damages. @default 'oracle' */
  inner?: 'oracle' | 'noop' | 'replay';
  /** PRNG seed: the same seed, session ids and request order give the same faults. @default 0 */
  seed?: number | string;
  rates?: ChaosRates;
  /** Delay of the `slow` fault. @default 2000 */
  slowMs?: number;
}

/** Knobs of the agentic policy (`agentic:` in submit's config, `--agentic-*` flags of `model serve`). */
export interface AgenticOptions {
  /** PRNG seed: the same seed, session ids and conversations give the same trajectories. @default 0 */
  seed?: number | string;
  /** Exploration steps before the edit (list, grep, read, …); the session then takes 4 more turns. @default 8 */
  turns?: number;
  /** Probability, per exploration step, of a text-only message first (most CLIs end their run there). @default 0 */
  textRate?: number;
  /** Probability, per session, of making a wrong patch instead of the gold one. @default 0 */
  wrongPatchRate?: number;
  /** Characters of `reasoning_content` per turn. @default 600 */
  reasoningChars?: number;
  /** Characters of visible text per turn. @default 160 */
  outputChars?: number;
}

/** Options of `startModelServer`, also handed to every policy factory. */
export interface ModelServerOptions {
  policy: 'oracle' | 'noop' | 'replay' | 'chaos' | 'agentic' | 'loop';
  /** Tasks the oracle looks up by instance id (required by oracle, also as chaos inner policy). */
  tasks?: Task[];
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
  /** Served model name, listed by `/v1/models` and echoed in completions. @default `swebench-<policy>` */
  modelName?: string;
  /** records.jsonl file, or a directory searched recursively for records.jsonl files (replay). */
  replayFile?: string;
  chaos?: ChaosOptions;
  agentic?: AgenticOptions;
  /**
   * The context limit in (fake, 4-character) tokens, as vLLM's `--max-model-len`: a request whose messages plus
   * requested completion tokens exceed it gets vLLM's context-length 400, and `/v1/models` reports it. @default unlimited
   */
  maxModelLen?: number;
  /**
   * Reproduce a vLLM started without `--enable-auto-tool-choice`/`--tool-call-parser`: a request with tools and
   * `tool_choice` "auto" (or unset, which vLLM reads as "auto") gets its exact 400. @default false
   */
  refuseTools?: boolean;
  /** Reproduce a server that ignores `stream: true`: every answer is one JSON body. @default false */
  noStream?: boolean;
  /**
   * Retokenization drift on purpose: the toy chat template renders earlier assistant messages with an extra `\n`
   * token before their end of turn, so with `return_token_ids` every turn's prompt departs from the previous prompt +
   * completion ids at that completion's last token (tokens.ts). @default false
   */
  tokenizerDrift?: boolean;
  /** Repository directory the oracle and agentic models work in. @default '/testbed' */
  oracleWorkdir?: string;
  logger?: Logger;
}

/** Thrown by a policy to answer with an HTTP error in vLLM's shape instead of a completion. */
export class ModelRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'BadRequestError',
  ) {
    super(message);
    this.name = 'ModelRequestError';
  }
}
