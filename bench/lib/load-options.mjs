// The load options the gateway and forwarder benchmarks share — session counts, scenarios, cell length, chunks per
// completion, pacing, repetitions — declared for parseArgs and checked once, so both benchmarks mean the same thing
// by `paced` or `--repeat`.

/** parseArgs option specs; `defaults` sets what differs per benchmark (sessions, scenarios, repeat). */
export function loadOptions(defaults) {
  return {
    sessions: { type: 'string', default: defaults.sessions },
    scenarios: { type: 'string', default: defaults.scenarios },
    'duration-ms': { type: 'string', default: '5000' },
    'warmup-ms': { type: 'string', default: '1000' },
    chunks: { type: 'string', default: '20' },
    'paced-delay-ms': { type: 'string', default: '20' },
    repeat: { type: 'string', default: defaults.repeat },
  };
}

/**
 * The checked load settings. Per scenario: the upstream's delay between chunks (SCENARIOS) and the load client's
 * shape (LOAD_SHAPE): burst = all chunks at once; paced = a chunk every paced-delay ms, sessions staggered over one
 * completion with think time between completions; lockstep = paced chunks, every session at once, no think time.
 */
export function parseLoad(values, { known, maxSessions, sessionsNote = '' }) {
  const sessionCounts = values.sessions.split(',').map(Number);
  if (sessionCounts.some((n) => !Number.isInteger(n) || n < 1 || n > maxSessions)) {
    throw new Error(`--sessions: comma-separated integers in 1..${maxSessions}${sessionsNote}`);
  }
  const pacedDelay = Number(values['paced-delay-ms']);
  const all = {
    burst: { delay: 0, shape: {} },
    paced: { delay: pacedDelay, shape: { staggerMs: Number(values.chunks) * pacedDelay, thinkMs: 2 * pacedDelay } },
    lockstep: { delay: pacedDelay, shape: {} },
  };
  const scenarios = values.scenarios.split(',');
  for (const s of scenarios) if (!known.includes(s)) throw new Error(`--scenarios: unknown scenario ${s} (${known.join(', ')})`);
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20) throw new Error('--repeat: an integer in 1..20');
  return {
    sessionCounts,
    pacedDelay,
    scenarios,
    SCENARIOS: Object.fromEntries(known.map((s) => [s, all[s].delay])),
    LOAD_SHAPE: Object.fromEntries(known.map((s) => [s, all[s].shape])),
    repeat,
    durationMs: Math.min(60_000, Number(values['duration-ms'])),
    warmupMs: Math.min(10_000, Number(values['warmup-ms'])),
  };
}
