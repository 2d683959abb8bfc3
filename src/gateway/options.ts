// The gateway's configuration, with every default in one place.
import type { Logger } from '../logger.js';
import type { TrainerHandler } from './trainer/types.js';

/** Bounded retries with exponential backoff for transient upstream failures before the client saw a byte. */
export interface RetryPolicy {
  /**
   * Retries after the first attempt (so `maxRetries + 1` attempts in all).
   * @default 3
   */
  maxRetries: number;
  /**
   * Delay before the first retry; doubles for each further retry.
   * @default 500
   */
  initialDelayMs: number;
  /**
   * Upper bound of one delay (also caps an upstream `Retry-After`).
   * @default 8000
   */
  maxDelayMs: number;
}

/** Options of `startGateway`: exactly one of `upstreamUrl` and `upstream`. */
export interface GatewayOptions {
  /** Upstream OpenAI-compatible server, e.g. `http://127.0.0.1:8000` (a trailing `/v1` is accepted and ignored). */
  upstreamUrl?: string;
  /**
   * The trainer owns inference: `'trainer'` holds each request for the pull API (`/admin/trainer/…`, trainer/routes.ts);
   * a function is called with each request instead (trainer/types.ts `TrainerHandler`). Either gets the canonical chat
   * request after translation, whatever protocol the agent speaks.
   */
  upstream?: 'trainer' | TrainerHandler;
  /**
   * With a trainer upstream: longest wait for an answer to start (and between two pieces of a streamed one) before the
   * attempt fails as a retryable upstream timeout.
   * @default upstreamTimeoutMs
   */
  trainerTimeoutMs?: number;
  /** Bearer key for the upstream. Never recorded, logged or returned. */
  upstreamApiKey?: string;
  /**
   * Model name sent upstream (client model names are rewritten to it).
   * @default the first id of `GET <upstream>/v1/models`; `trainer` with a trainer upstream
   */
  upstreamModel?: string;
  /** @default '127.0.0.1' */
  host?: string;
  /**
   * 0 picks a random free port.
   * @default 0
   */
  port?: number;
  /**
   * Bearer token of the admin API.
   * @default a random token (returned as `adminToken`)
   */
  adminToken?: string;
  /**
   * Records go to `<recordsDir>/<session_id>/records.jsonl`.
   * @default a fresh directory under the OS temp dir
   */
  recordsDir?: string;
  /** Caps `max_tokens` / `max_completion_tokens` (and sets it when the client sent none). */
  maxOutputTokens?: number;
  /**
   * Ask the upstream (vLLM) for `return_token_ids` and `logprobs` and record them.
   * @default false
   */
  captureTokens?: boolean;
  /**
   * With captureTokens: also ask for prompt logprobs (vLLM `prompt_logprobs`, this many alternatives per token); such
   * requests go upstream unstreamed, which vLLM requires.
   */
  promptLogprobs?: number;
  retry?: Partial<RetryPolicy>;
  /**
   * Secret for sealing reasoning blobs; fixed so that a restarted gateway still opens old blobs.
   * @default a random key per gateway
   */
  sealSecret?: string;
  /**
   * Largest accepted client request body (after decompression).
   * @default 67108864 (64 MiB)
   */
  maxBodyBytes?: number;
  /**
   * Upstream timeout for response headers and between two body chunks.
   * @default 600000 (10 min)
   */
  upstreamTimeoutMs?: number;
  /** @default silentLogger */
  logger?: Logger;
  /** Aborts model discovery during start-up. */
  signal?: AbortSignal;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 3, initialDelayMs: 500, maxDelayMs: 8000 };
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 600_000;
/** How long `close()` lets in-flight completions finish before aborting them. */
export const DEFAULT_CLOSE_GRACE_MS = 5000;

/**
 * How often the standalone gateway asks a model server that is not up yet for its models: soon at first (a
 * restart), then every 10 s (vLLM loading for minutes).
 */
export const DISCOVERY_BACKOFF: Pick<RetryPolicy, 'initialDelayMs' | 'maxDelayMs'> = { initialDelayMs: 500, maxDelayMs: 10_000 };
/** Longest one discovery request may take before it counts as a failed attempt. */
export const DISCOVERY_TIMEOUT_MS = 10_000;

/** Delay before retry number `retry` (1-based): exponential, ±20% jitter, capped; `Retry-After` wins when larger. */
export function backoffMs(policy: Pick<RetryPolicy, 'initialDelayMs' | 'maxDelayMs'>, retry: number, retryAfterMs?: number): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (retry - 1));
  const jittered = base * (0.8 + Math.random() * 0.4);
  return Math.round(Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0)));
}
