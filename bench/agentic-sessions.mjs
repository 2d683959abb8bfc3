#!/usr/bin/env node
// Long, messy sessions with the real harness CLIs and the built-in agentic model (no GPU), on the 8 fixture tasks:
//   --part nudge     text-only rate 0.3: per harness resolved, early exits and completions per session, without
//                    and with --nudge 2 (same seed; the draws also depend on the session id, so the two runs pause
//                    at different places — the rates are what compare);
//   --part pressure  a small max_model_len and a window a little below it (per harness, as in
//                    test/docker/submit-context-pressure.test.ts): compactions per session, resolved;
//   --part soak      ~60-completion sessions (agentic turns 56), every harness × every task: hung sessions (killed
//                    by a timer), records on disk = completions the model answered (counted by the model server)
//                    = record_count, RSS of this process (gateway and model server both run in it) at start and
//                    end, bytes of records per session.
// The model server runs in this process and counts the requests it answers per gateway session id.
//
// Usage: npm run build && node bench/agentic-sessions.mjs [--part nudge,pressure,soak] [--harness a,b] [--tasks 8]
//        [--concurrency 2] [--seed 7] [--json] [--keep]
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { arg, flag } from './lib/argv.mjs';
import { textTable as table } from './lib/stats.mjs';
import { buildFixtures } from '../test/fixtures/build-fixtures.mjs';
import { resolveSubmitConfig } from '../dist/config/load.js';
import { loadTasks } from '../dist/dataset/index.js';
import { startModelServer } from '../dist/gateway/models/index.js';
import { createLogger } from '../dist/logger.js';
import { runSubmit } from '../dist/run/index.js';

const HARNESSES = arg('--harness', 'opencode,codex,claude-code,qwen-code').split(',');
const parts = arg('--part', 'nudge,pressure,soak').split(',');
const maxTasks = Number(arg('--tasks', '8'));
const concurrency = Number(arg('--concurrency', '2'));
const seed = arg('--seed', '7');
/** Per harness: the window it is told and the model's max_model_len (tokens), with max output 1000. */
const PRESSURE = { opencode: [5000, 6500], codex: [7000, 8500], 'claude-code': [22000, 24000], 'qwen-code': [12000, 14000] };

const logger = createLogger({ level: process.env.SWEBENCH_LOG_LEVEL ?? 'warn' });
const { tasksFile: dataset } = await buildFixtures({ images: true, log: () => {} });
const tasks = (await loadTasks(dataset)).slice(0, maxTasks);
const work = await mkdtemp(path.join(os.tmpdir(), 'swebench-bench-agentic-'));

/** Starts the agentic model in this process; `answered` counts its replies per gateway session id. */
async function model(agentic, maxModelLen) {
  const answered = new Map();
  const counting = {
    debug: (msg) => {
      const m = /^model agentic: ([^#\s]+)#/.exec(String(msg));
      if (m) answered.set(m[1], (answered.get(m[1]) ?? 0) + 1);
    },
    info: (msg) => logger.info(msg),
    warn: (msg) => logger.warn(msg),
    error: (msg) => logger.error(msg),
  };
  const server = await startModelServer({ policy: 'agentic', tasks, agentic: { seed, ...agentic }, logger: counting, ...(maxModelLen ? { maxModelLen } : {}) });
  return { server, answered };
}

async function run(runId, flags, agentic, maxModelLen) {
  const { server, answered } = await model(agentic, maxModelLen);
  try {
    const config = resolveSubmitConfig({
      flags: { dataset, max_tasks: maxTasks, concurrency, output_dir: work, run_id: runId, timeout: 900, upstream: server.url, ...flags },
    });
    const sessions = [];
    const started = performance.now();
    await runSubmit(config, { logger, reporter: { onSessionDone: (ses) => sessions.push(ses) } });
    return { sessions, answered, wallS: (performance.now() - started) / 1000, runDir: path.join(work, runId) };
  } finally {
    await server.close();
  }
}

const mean = (xs) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
const perHarness = (sessions, h) => sessions.filter((s) => s.harness.name === h);
const early = (ss) => ss.filter((s) => s.error_class === 'early_exit_text_only').length;
const recordLines = (runDir, s) => readFileSync(path.join(runDir, s.artifacts.records), 'utf8').split('\n').filter(Boolean).length;

const results = {};
try {
  if (parts.includes('nudge')) {
    const agentic = { textRate: 0.3 };
    const plain = await run('nudge0', { harness: HARNESSES, model_name: 'agentic' }, agentic);
    const nudged = await run('nudge2', { harness: HARNESSES, model_name: 'agentic', nudge: 2 }, agentic);
    results.nudge = HARNESSES.map((h) => {
      const a = perHarness(plain.sessions, h);
      const b = perHarness(nudged.sessions, h);
      return {
        harness: h, tasks: a.length,
        resolved: a.filter((s) => s.resolved).length, early_exits: early(a), completions: mean(a.map((s) => s.record_count)),
        resolved_nudge2: b.filter((s) => s.resolved).length, early_exits_nudge2: early(b),
        nudged_sessions: b.filter((s) => s.nudges.length > 0).length, nudges: b.reduce((n, s) => n + s.nudges.length, 0),
        completions_nudge2: mean(b.map((s) => s.record_count)),
      };
    });
  }
  if (parts.includes('pressure')) {
    results.pressure = [];
    for (const h of HARNESSES) {
      const [window, maxLen] = PRESSURE[h];
      const r = await run(`pressure-${h}`, { harness: [h], model_name: 'agentic', context_window: window, max_output_tokens: 1000 }, {}, maxLen);
      const ss = r.sessions;
      results.pressure.push({
        harness: h, window, max_model_len: maxLen, tasks: ss.length, resolved: ss.filter((s) => s.resolved).length,
        compactions_per_session: mean(ss.map((s) => s.compactions)), with_compaction: ss.filter((s) => s.compactions > 0).length,
        completions: mean(ss.map((s) => s.record_count)),
        other_endings: ss.filter((s) => !s.resolved).map((s) => `${s.instance_id}: ${s.status} ${s.error_class ?? ''}`),
      });
    }
  }
  if (parts.includes('soak')) {
    const rssStart = process.memoryUsage().rss;
    let rssPeak = rssStart;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 1000);
    const r = await run('soak', { harness: HARNESSES, model_name: 'agentic', max_completions: 250 }, { turns: 56 });
    clearInterval(sampler);
    global.gc?.();
    const rssEnd = process.memoryUsage().rss;
    const ss = r.sessions;
    const mismatched = ss.filter((s) => !(recordLines(r.runDir, s) === s.record_count && (r.answered.get(s.session_id) ?? 0) === s.record_count));
    const bytes = ss.map((s) => statSync(path.join(r.runDir, s.artifacts.records)).size);
    results.soak = {
      sessions: ss.length, resolved: ss.filter((s) => s.resolved).length,
      hung: ss.filter((s) => ['agent_timeout', 'idle_timeout'].includes(s.error_class)).length,
      completions_mean: mean(ss.map((s) => s.record_count)), completions_min: Math.min(...ss.map((s) => s.record_count)),
      completions_max: Math.max(...ss.map((s) => s.record_count)),
      records_equal_completions: `${ss.length - mismatched.length}/${ss.length}`,
      mismatched: mismatched.map((s) => `${s.harness.name} ${s.instance_id}: file ${recordLines(r.runDir, s)}, model ${r.answered.get(s.session_id) ?? 0}, ses ${s.record_count}`),
      rss_start_mb: rssStart / 2 ** 20, rss_peak_mb: rssPeak / 2 ** 20, rss_end_mb: rssEnd / 2 ** 20,
      records_bytes_mean: mean(bytes), records_bytes_max: Math.max(...bytes), wall_s: r.wallS,
      per_harness: HARNESSES.map((h) => ({ harness: h, resolved: perHarness(ss, h).filter((s) => s.resolved).length, sessions: perHarness(ss, h).length, completions: mean(perHarness(ss, h).map((s) => s.record_count)), minutes: mean(perHarness(ss, h).map((s) => s.run_ms)) / 60_000 })),
    };
  }
} finally {
  if (!flag('--keep')) await rm(work, { recursive: true, force: true });
  else process.stderr.write(`run directories kept in ${work}\n`);
}

const f1 = (x) => x.toFixed(1);
if (flag('--json')) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
else {
  if (results.nudge) {
    process.stdout.write(`\ntext-only rate 0.3, seed ${seed}, ${maxTasks} tasks per harness\n`);
    process.stdout.write(table(
      ['harness', 'resolved', 'early exits', 'compl./session', 'resolved --nudge 2', 'early exits', 'nudged', 'nudges', 'compl./session'],
      results.nudge.map((r) => [r.harness, `${r.resolved}/${r.tasks}`, r.early_exits, f1(r.completions), `${r.resolved_nudge2}/${r.tasks}`, r.early_exits_nudge2, r.nudged_sessions, r.nudges, f1(r.completions_nudge2)]),
    ));
  }
  if (results.pressure) {
    process.stdout.write(`\ncontext pressure (max output 1000 tokens), seed ${seed}\n`);
    process.stdout.write(table(
      ['harness', 'window', 'max_model_len', 'resolved', 'sessions compacting', 'compactions/session', 'compl./session'],
      results.pressure.map((r) => [r.harness, r.window, r.max_model_len, `${r.resolved}/${r.tasks}`, `${r.with_compaction}/${r.tasks}`, f1(r.compactions_per_session), f1(r.completions)]),
    ));
    for (const r of results.pressure) for (const o of r.other_endings) process.stdout.write(`  ${r.harness} not resolved: ${o}\n`);
  }
  if (results.soak) {
    const s = results.soak;
    process.stdout.write(`\nsoak: ${s.sessions} sessions (agentic turns 56), concurrency ${concurrency}, ${f1(s.wall_s)} s\n`);
    process.stdout.write(table(['harness', 'resolved', 'compl./session', 'minutes/session'], s.per_harness.map((r) => [r.harness, `${r.resolved}/${r.sessions}`, f1(r.completions), r.minutes.toFixed(2)])));
    process.stdout.write(
      `hung sessions ${s.hung}; records = completions ${s.records_equal_completions}; completions per session ${f1(s.completions_mean)} (min ${s.completions_min}, max ${s.completions_max})\n` +
        `RSS (gateway + model server process) start ${f1(s.rss_start_mb)} MB, peak ${f1(s.rss_peak_mb)} MB, end ${f1(s.rss_end_mb)} MB; records per session ${f1(s.records_bytes_mean / 1024)} KiB mean, ${f1(s.records_bytes_max / 1024)} KiB max\n`,
    );
    for (const m of s.mismatched) process.stdout.write(`  mismatch: ${m}\n`);
  }
}
