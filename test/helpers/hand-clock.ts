// A clock the test moves by hand, for code that takes a Clock (the watchdog): checks run exactly when the test
// says, so timing tests neither sleep nor race the machine's load.
import type { Clock } from '../../src/run/watchdog.js';

export interface HandClock extends Clock {
  /** Moves time forward by `ms`, running each repeating callback at every due time on the way, in order. */
  advance(ms: number): void;
}

/** A hand clock reading `start` (ms since epoch) until advanced. */
export function handClock(start: number): HandClock {
  let now = start;
  let nextId = 0;
  const timers = new Map<number, { due: number; every: number; fn: () => void }>();
  return {
    now: () => now,
    every(ms, fn) {
      const id = nextId++;
      const every = Math.max(1, ms); // a 0 ms period would never let advance() finish
      timers.set(id, { due: now + every, every, fn });
      return () => void timers.delete(id);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        let next: { due: number; every: number; fn: () => void } | undefined;
        for (const t of timers.values()) if (t.due <= end && (!next || t.due < next.due)) next = t;
        if (!next) break;
        now = next.due;
        next.due += next.every;
        next.fn();
      }
      now = end;
    },
  };
}
