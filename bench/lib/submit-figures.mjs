// The figures the submit benchmarks read off finished sessions, defined once.

/** The q-quantile (0..1) of `xs` by the floor(q·n)-th smallest value; null when empty. */
export function quantile(xs, q) {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** Orchestration overhead of a session: its wall time minus the harness's own run and the test run. */
export function overheadMs(ses) {
  return ses.run_ms - ses.timings_ms.agent - (ses.eval_timings_ms?.eval ?? 0);
}

/** Sessions, resolved, wall time and throughput of one submit. */
export function runFigures(sessions, wallMs) {
  return {
    sessions: sessions.length,
    resolved: sessions.filter((s) => s.resolved).length,
    wall_s: wallMs / 1000,
    sessions_per_hour: (sessions.length / wallMs) * 3_600_000,
  };
}
