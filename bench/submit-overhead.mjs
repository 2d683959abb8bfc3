#!/usr/bin/env node
// Benchmark of the submit pipeline with the oracle model on the fixture tasks, per harness:
//   - orchestration overhead per session: run_ms − the harness's own run (timings_ms.agent) − the test run
//     (eval_timings_ms.eval), i.e. container starts, harness setup, gateway, patch extraction, patch apply,
//     removals, result writing (budget: < 3 s, DESIGN.md);
//   - harness-ready time: harness launch → its first request at the gateway (budget: < 2 s);
//   - sessions per hour at --concurrency 1, 2 and 4.
// Prints one table row per harness × concurrency (medians and p90 over the sessions of that row).
//
// Usage: npm run build && node bench/submit-overhead.mjs [--harness opencode,codex] [--tasks 8] [--concurrency 1,2,4]
//        [--with-pyagent] [--json] [--keep]
// Harnesses default to every registered preset (noop included: the pipeline with no agent at all).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, flag } from './lib/argv.mjs';
import { overheadMs, quantile, runFigures } from './lib/submit-figures.mjs';
import { textTable } from './lib/stats.mjs';
import { buildFixtures } from '../test/fixtures/build-fixtures.mjs';
import { resolveSubmitConfig } from '../dist/config/load.js';
import { HARNESS_NAMES } from '../dist/harness/index.js';
import { createLogger } from '../dist/logger.js';
import { runSubmit } from '../dist/run/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const harnesses = arg('--harness', HARNESS_NAMES.join(',')).split(',').filter(Boolean);
if (flag('--with-pyagent')) harnesses.push('pyagent');
const levels = arg('--concurrency', '1,2,4').split(',').map(Number);
const maxTasks = Number(arg('--tasks', '8'));
const logger = createLogger({ level: process.env.SWEBENCH_LOG_LEVEL ?? 'warn' });

const { tasksFile: dataset } = await buildFixtures({ images: true, log: () => {} });
const work = await mkdtemp(path.join(os.tmpdir(), 'swebench-bench-submit-'));

const sec = (ms) => (ms === null ? '—' : (ms / 1000).toFixed(2));

async function runOnce(harness, concurrency) {
  const runId = `${harness}-c${concurrency}`;
  const config = resolveSubmitConfig({
    flags: {
      harness: [harness],
      harness_files: harness === 'pyagent' ? [path.join(root, 'test/fixtures/harnesses/pyagent.mjs')] : [],
      model: 'oracle',
      dataset,
      max_tasks: maxTasks,
      concurrency,
      output_dir: work,
      run_id: runId,
      timeout: 600,
    },
  });
  const sessions = [];
  const started = performance.now();
  const summary = await runSubmit(config, { logger, reporter: { onSessionDone: (ses) => sessions.push(ses) } });
  const wallMs = performance.now() - started;
  const overhead = sessions.map(overheadMs);
  const ready = sessions.map((s) => s.agent_first_request_ms).filter((v) => typeof v === 'number');
  const phase = (p) => quantile(sessions.map((s) => s.timings_ms[p]), 0.5);
  return {
    harness,
    concurrency,
    ...runFigures(sessions, wallMs),
    overhead_p50_ms: quantile(overhead, 0.5),
    overhead_p90_ms: quantile(overhead, 0.9),
    ready_p50_ms: quantile(ready, 0.5),
    ready_p90_ms: quantile(ready, 0.9),
    container_start_p50_ms: phase('container_start'),
    harness_setup_p50_ms: phase('harness_setup'),
    patch_p50_ms: phase('patch'),
    agent_p50_ms: phase('agent'),
    statuses: summary.totals.by_status,
  };
}

const rows = [];
try {
  for (const harness of harnesses) {
    for (const c of levels) {
      process.stderr.write(`submit-overhead: ${harness} at --concurrency ${c} (${maxTasks} tasks)…\n`);
      rows.push(await runOnce(harness, c));
    }
  }
} finally {
  if (!flag('--keep')) await rm(work, { recursive: true, force: true });
  else process.stderr.write(`run directories kept in ${work}\n`);
}

if (flag('--json')) {
  process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
} else {
  const header = ['harness', 'conc', 'sessions', 'resolved', 'wall s', 'sessions/h', 'overhead p50 s', 'overhead p90 s', 'ready p50 s', 'ready p90 s', 'agent p50 s', 'container p50 s', 'setup p50 s', 'patch p50 s'];
  const body = rows.map((r) => [
    r.harness, String(r.concurrency), String(r.sessions), String(r.resolved), r.wall_s.toFixed(1), r.sessions_per_hour.toFixed(0),
    sec(r.overhead_p50_ms), sec(r.overhead_p90_ms), sec(r.ready_p50_ms), sec(r.ready_p90_ms), sec(r.agent_p50_ms),
    sec(r.container_start_p50_ms), sec(r.harness_setup_p50_ms), sec(r.patch_p50_ms),
  ]);
  process.stdout.write(textTable(header, body));
  process.stdout.write(`\noverhead = run_ms − agent (the harness's own run) − the eval's test run; ready = launch → first gateway request.\n` +
    `budgets (DESIGN.md): overhead < 3 s per session, harness ready < 2 s. Host: ${os.cpus().length} CPUs.\n`);
}
