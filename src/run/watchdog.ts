// Watches one running agent from the outside: no completion and no output for too long (idle), or a request
// refused at the completion cap. Either fires an AbortSignal that the exec turns into a process-tree kill.
import type { GatewaySessions, SessionStatus } from '../gateway/sessions.js';

export type WatchdogReason = 'idle' | 'cap';

export interface Watchdog {
  /** Aborted when the watchdog fires. */
  readonly signal: AbortSignal;
  /** Why it fired, or null. */
  reason(): WatchdogReason | null;
  stop(): void;
}

/** Time as the watchdog sees it: the system clock in production, a hand-driven one in tests. */
export interface Clock {
  now(): number;
  /** Calls `fn` every `ms` until the returned function is called; must not keep the process alive. */
  every(ms: number, fn: () => void): () => void;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

export interface WatchdogOptions {
  sessions: GatewaySessions;
  sessionId: string;
  /** Idle limit in ms; 0 turns the idle check off. */
  idleMs: number;
  /** Last time the harness wrote output (ms since epoch). */
  lastOutputAt(): number;
  /** Called on every check with the gateway's view of the session (progress display). */
  onTick?(status: SessionStatus): void;
  /** @default min(1000, idleMs / 4), at least 100 */
  intervalMs?: number;
  /** @default SYSTEM_CLOCK */
  clock?: Clock;
}

/** Starts checking at once; call stop() when the agent has ended. */
export function startWatchdog(opts: WatchdogOptions): Watchdog {
  const clock = opts.clock ?? SYSTEM_CLOCK;
  const controller = new AbortController();
  let fired: WatchdogReason | null = null;
  const startedAt = clock.now();
  const fire = (why: WatchdogReason) => {
    if (fired) return;
    fired = why;
    stopTicking();
    controller.abort(why);
  };
  const check = () => {
    const st = opts.sessions.get(opts.sessionId);
    if (!st) return;
    opts.onTick?.(st);
    if (st.completions_refused > 0) return fire('cap');
    if (opts.idleMs <= 0) return;
    const now = clock.now();
    // A completion in flight is activity: long generations must not count as idleness.
    const last = st.in_flight > 0 ? now : Math.max(startedAt, opts.lastOutputAt(), Date.parse(st.last_activity) || 0);
    if (now - last > opts.idleMs) fire('idle');
  };
  const interval = opts.intervalMs ?? Math.max(100, Math.min(1000, Math.floor(opts.idleMs / 4) || 1000));
  const stopTicking = clock.every(interval, check);
  return {
    signal: controller.signal,
    reason: () => fired,
    stop: stopTicking,
  };
}
