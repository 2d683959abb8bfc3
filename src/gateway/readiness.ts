// Whether the gateway can serve completions: the upstream answered and its model is known. `submit` settles it
// once before the gateway listens and fails fast (it chose the model server itself); the standalone gateway
// listens at once and keeps asking with capped backoff, because vLLM loads for minutes and compose/k8s start
// both processes together.
import { setTimeout as delay } from 'node:timers/promises';
import { redact, type Logger } from '../logger.js';
import { backoffMs, DISCOVERY_BACKOFF, DISCOVERY_TIMEOUT_MS, type RetryPolicy } from './options.js';

/** What `/readyz` reports. */
export type UpstreamState = { ready: true; model: string } | { ready: false; reason: string };

/** One discovery attempt (`discoverUpstreamModel` bound to a client): the model, or a rejection saying why not. */
export type Discover = (signal?: AbortSignal) => Promise<string>;

/** What the background discovery needs besides the attempt itself. */
export interface ReadinessDeps {
  logger: Logger;
  /** The upstream as shown in log lines (no credentials). */
  upstreamUrl: string;
  /** @default DISCOVERY_BACKOFF (0.5 s doubling to 10 s) */
  backoff?: Pick<RetryPolicy, 'initialDelayMs' | 'maxDelayMs'>;
  /** @default DISCOVERY_TIMEOUT_MS */
  attemptTimeoutMs?: number;
  /** Waits between attempts; rejects when the signal fires (tests inject one that records the delays). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** @default Date.now */
  now?: () => number;
}

const realSleep = (ms: number, signal: AbortSignal): Promise<void> => delay(ms, undefined, { signal });

/** The upstream model as far as the gateway knows it; read by the router on every client request. */
export class UpstreamReadiness {
  private current: UpstreamState = { ready: false, reason: 'the upstream has not been asked yet' };
  private nextAttemptAt = 0;
  private readonly stopper = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly discover: Discover,
    private readonly deps: ReadinessDeps,
  ) {}

  get state(): UpstreamState {
    return this.current;
  }

  /** The model sent upstream, once known. */
  get model(): string | undefined {
    return this.current.ready ? this.current.model : undefined;
  }

  /** Whole seconds until the next attempt, at least 1: the `Retry-After` of a not-ready 503. */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.nextAttemptAt - (this.deps.now ?? Date.now)()) / 1000));
  }

  /** One attempt that throws on failure (the embedded gateway, whose caller fails fast). */
  async resolve(signal?: AbortSignal): Promise<string> {
    const model = await this.discover(signal);
    this.current = { ready: true, model };
    return model;
  }

  /**
   * Attempts in the background until one succeeds or `stop()` is called. Resolves once the first attempt is
   * over (so an upstream that is already up is ready by then); never rejects.
   */
  watch(): Promise<void> {
    if (this.loop) return Promise.resolve();
    return new Promise<void>((firstDone) => {
      this.loop = this.run(firstDone);
    });
  }

  /** Ends the background attempts (an attempt in flight is aborted). */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop;
  }

  private async run(firstDone: () => void): Promise<void> {
    try {
      await this.attempts(firstDone);
    } finally {
      firstDone(); // ready at the first attempt, or stopped
    }
  }

  private async attempts(firstDone: () => void): Promise<void> {
    const { logger, upstreamUrl } = this.deps;
    const backoff = this.deps.backoff ?? DISCOVERY_BACKOFF;
    const sleep = this.deps.sleep ?? realSleep;
    const now = this.deps.now ?? Date.now;
    const stop = this.stopper.signal;
    for (let attempt = 1; !stop.aborted; attempt++) {
      let wait: number;
      try {
        const model = await this.discover(AbortSignal.any([stop, AbortSignal.timeout(this.deps.attemptTimeoutMs ?? DISCOVERY_TIMEOUT_MS)]));
        this.current = { ready: true, model };
        logger.info(`gateway: upstream ${upstreamUrl} ready, model ${model}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
        return;
      } catch (err) {
        if (stop.aborted) return;
        const reason = redact(String((err as Error)?.message ?? err));
        wait = backoffMs(backoff, attempt);
        this.nextAttemptAt = now() + wait;
        // info once per new reason (refused, then 503 while loading, …), the repeats at debug
        const before = this.current;
        if (!before.ready && before.reason === reason) {
          logger.debug(`gateway: upstream still not ready after attempt ${attempt}; next in ${wait} ms`);
        } else {
          logger.info(`gateway: upstream not ready: ${reason}; asking again every ${backoff.initialDelayMs / 1000}–${backoff.maxDelayMs / 1000} s`);
        }
        this.current = { ready: false, reason };
      }
      firstDone();
      try {
        await sleep(wait, stop);
      } catch {
        return;
      }
    }
  }
}
