// The run's images: pulled ahead of the sessions that need them (in queue order, `pull_concurrency` at a time,
// `prefetch` sessions ahead), retried with backoff on transient registry errors, and — with `images: remove` —
// removed once their last session (evaluation included) is done, never letting the images the run pulled exceed
// `max_image_disk`. An image that was present before the run is never removed. A pull that fails for good fails
// the sessions that need it (infra_error), not the run.
import { gb, registryLookup } from '../doctor/docker.js';
import { CancelledError, DockerError, throwIfAborted } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Runtime } from '../runtime/types.js';

export interface ImageOptions {
  /** Pulls at once. */
  pullConcurrency: number;
  /** How many sessions beyond the running ones get their image pulled ahead; 0 = pull when a session needs it. */
  prefetch: number;
  /** Remove an image the run pulled once its last session is done. */
  remove: boolean;
  /** Most bytes the images this run pulled may hold at once (sizes as the engine reports them). */
  budgetBytes?: number;
  /** Pause before retry n (1-based) of a transient pull failure; the last entry is the number of retries. @default 1 s, 2 s, 4 s */
  retryDelaysMs?: number[];
  logger: Logger;
  onStats?(stats: ImageStats): void;
}

/** What the run's image handling did (for the progress display and the scale benchmark). */
export interface ImageStats {
  /** Distinct images the pending sessions need, and how many were local before the run. */
  total: number;
  presentBefore: number;
  pulled: number;
  failed: number;
  removed: number;
  pulledBytes: number;
  /** Bytes of run-pulled images still on disk, and the most there ever were. */
  heldBytes: number;
  peakHeldBytes: number;
  /** Summed time sessions waited for their image. */
  waitMs: number;
}

type State =
  | { kind: 'unknown' }
  | { kind: 'present-before' }
  | { kind: 'pulling'; done: Promise<void> }
  | { kind: 'pulled'; bytes: number }
  | { kind: 'failed'; error: Error }
  | { kind: 'removed' };

/** Engine/registry failures worth another try (the registry or the network hiccuped), not "no such image". */
const TRANSIENT = /timeout|timed out|connection reset|ECONNRESET|EOF|502|503|504|too many requests|TLS handshake|i\/o timeout|temporarily/i;
const DEFAULT_RETRY_DELAYS_MS = [1_000, 2_000, 4_000];

export class ImagePipeline {
  private readonly order: string[];
  private readonly left = new Map<string, number>();
  private readonly state = new Map<string, State>();
  private readonly waiters: Array<() => void> = [];
  private readonly stats: ImageStats;
  private started = 0;
  private inflight = 0;
  private next = 0;
  private largest = 0;

  /** `images`: the image of every pending session, in the order the sessions start. */
  constructor(
    private readonly runtime: Runtime,
    private readonly images: readonly string[],
    private readonly opts: ImageOptions,
    private readonly signal: AbortSignal,
  ) {
    this.order = [...new Set(images)];
    for (const image of images) this.left.set(image, (this.left.get(image) ?? 0) + 1);
    for (const image of this.order) this.state.set(image, { kind: 'unknown' });
    signal.addEventListener('abort', () => this.wake(), { once: true });
    this.stats = { total: this.order.length, presentBefore: 0, pulled: 0, failed: 0, removed: 0, pulledBytes: 0, heldBytes: 0, peakHeldBytes: 0, waitMs: 0 };
  }

  /**
   * Notes which images are already local (never removed), refuses to start when the Docker data root has less free
   * space than the first image to pull needs (its compressed size, from the registry), then starts prefetching.
   */
  async init(): Promise<void> {
    for (const image of this.order) {
      if ((await this.runtime.imageSize(image)) !== null) {
        this.state.set(image, { kind: 'present-before' });
        this.stats.presentBefore++;
      }
    }
    const first = this.order.find((i) => this.state.get(i)!.kind === 'unknown');
    const free = first === undefined ? null : await this.runtime.dataRootFreeBytes();
    if (first !== undefined && free !== null) {
      const need = (await registryLookup(first)).bytes;
      if (need !== undefined && free < need) {
        throw new DockerError(`not enough disk for the run's images: ${gb(free, 2)} free in the Docker data root, ${first} alone needs ${gb(need, 2)} (compressed)`, {
          hint: 'Free space (docker image prune), or move the Docker data root to a larger disk.',
        });
      }
    }
    this.report();
    this.pump();
  }

  get snapshot(): ImageStats {
    return { ...this.stats };
  }

  /** Resolves once `image` is local for a session that is starting; throws the pull's error when it cannot be had. */
  async ensure(image: string, signal: AbortSignal): Promise<void> {
    if (!this.state.has(image)) return this.runtime.ensureImage(image, { signal }); // not planned (cannot happen in a run)
    const t0 = Date.now();
    this.started++;
    this.pump();
    try {
      for (;;) {
        throwIfAborted(signal);
        const s = this.state.get(image) ?? { kind: 'unknown' };
        if (s.kind === 'present-before' || s.kind === 'pulled') return;
        if (s.kind === 'failed') throw s.error;
        if (s.kind === 'pulling') await s.done.catch(() => {});
        else await this.changed(signal);
      }
    } finally {
      this.stats.waitMs += Date.now() - t0;
    }
  }

  /** A session that used `image` is done (evaluation included): its last one lets a run-pulled image go. */
  async release(image: string): Promise<void> {
    const n = (this.left.get(image) ?? 1) - 1;
    this.left.set(image, n);
    const s = this.state.get(image);
    if (n > 0 || !this.opts.remove || s?.kind !== 'pulled') return;
    try {
      await this.runtime.removeImage(image);
      this.state.set(image, { kind: 'removed' });
      this.stats.removed++;
      this.stats.heldBytes -= s.bytes;
    } catch (err) {
      this.opts.logger.warn(`could not remove image ${image}: ${(err as Error).message}`);
    }
    this.report();
    this.pump();
  }

  /**
   * Waits until some image changes state (a pull finished, an image was removed) or the run is cancelled: one abort
   * listener on the run's signal wakes every waiter (one per waiting session would pile up on the shared signal).
   */
  private changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal !== this.signal) signal.addEventListener('abort', () => resolve(), { once: true });
      this.waiters.push(resolve);
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Starts pulls in queue order while there are slots, the image is within reach of the started sessions, and the budget allows. */
  private pump(): void {
    if (this.signal.aborted) return;
    // images of the started sessions, plus `prefetch` sessions ahead
    const reach = new Set(this.images.slice(0, this.started + this.opts.prefetch));
    while (this.inflight < this.opts.pullConcurrency && this.next < this.order.length) {
      const image = this.order[this.next]!;
      if (this.state.get(image)!.kind !== 'unknown') {
        this.next++;
        continue;
      }
      if (!reach.has(image) || !this.fits()) return;
      this.next++;
      this.startPull(image);
    }
  }

  /** Room for one more pull: its size is estimated by the largest image pulled so far; with nothing held, always. */
  private fits(): boolean {
    const budget = this.opts.budgetBytes;
    if (budget === undefined || !this.opts.remove) return true;
    if (this.stats.heldBytes === 0 && this.inflight === 0) return true;
    if (this.largest === 0) return false; // no size known yet: one pull at a time until one is
    return this.stats.heldBytes + (this.inflight + 1) * this.largest <= budget;
  }

  private startPull(image: string): void {
    this.inflight++;
    const done = this.pullWithRetries(image).then(
      async () => {
        const bytes = (await this.runtime.imageSize(image)) ?? 0;
        this.largest = Math.max(this.largest, bytes);
        this.state.set(image, { kind: 'pulled', bytes });
        this.stats.pulled++;
        this.stats.pulledBytes += bytes;
        this.stats.heldBytes += bytes;
        this.stats.peakHeldBytes = Math.max(this.stats.peakHeldBytes, this.stats.heldBytes);
        this.opts.logger.info(`image ${this.stats.pulled + this.stats.presentBefore}/${this.stats.total} ready: ${image} (${gb(bytes, 2)})`);
      },
      (err: unknown) => {
        const error = err instanceof Error ? err : new Error(String(err));
        if (err instanceof CancelledError) this.state.set(image, { kind: 'unknown' });
        else {
          this.state.set(image, { kind: 'failed', error });
          this.stats.failed++;
          this.opts.logger.warn(`image ${image} cannot be had: ${error.message}`);
        }
      },
    );
    this.state.set(image, { kind: 'pulling', done });
    void done.finally(() => {
      this.inflight--;
      this.report();
      this.wake();
      this.pump();
    });
  }

  private async pullWithRetries(image: string): Promise<void> {
    const delays = this.opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.runtime.ensureImage(image, { signal: this.signal, onProgress: (p) => this.opts.logger.debug(`pull ${p.image}: ${p.status}`) });
        return;
      } catch (err) {
        const message = (err as Error).message;
        const transient = !(err instanceof CancelledError) && TRANSIENT.test(message) && !/manifest unknown|not found|does not exist/i.test(message);
        if (!transient || attempt >= delays.length) throw err;
        this.opts.logger.warn(`pull of ${image} failed (${message}); retry ${attempt + 1} of ${delays.length} in ${delays[attempt]! / 1000} s`);
        await new Promise((r) => setTimeout(r, delays[attempt]));
        throwIfAborted(this.signal);
      }
    }
  }

  private report(): void {
    this.opts.onStats?.(this.snapshot);
  }
}
