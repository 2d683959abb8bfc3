#!/usr/bin/env node
// Benchmark: what the swebench gateway adds to streaming chat completions. For N = 1, 64, 256 concurrent
// sessions (each issuing completions back to back), the same load goes
//   direct    client → fast upstream
//   swebench  client → swebench gateway (/s/<sid>/v1/chat/completions, one gateway session per client
//             session, records written to a temp dir: the real configuration) → fast upstream
//   portkey   client → Portkey gateway (@portkey-ai/gateway, installed on demand outside the repo) → upstream
// with the upstream, the gateway and the clients each in their own process, in three scenarios:
//   burst     the upstream writes all 20 chunks at once, sessions back to back: the proxy's CPU is the
//             bottleneck (its cost, worst case)
//   paced     the upstream streams a chunk every 20 ms (a model decoding 50 tokens/s per session); sessions start
//             spread over one completion and wait 0–80 ms (uniform, seeded) between completions, as agents do
//             while a tool runs: the budget case
//   lockstep  paced, but every session starts at once and never waits: all N requests arrive within the same
//             millisecond every ~400 ms, so each one queues behind the per-request work of all the others (a
//             synthetic worst case of arrival; a closed loop with a fixed service time stays in lockstep)
// Prints the added time to first content byte (percentile of gateway TTFT minus the same percentile direct),
// the throughput ratio (completions/s through the gateway ÷ direct), peak RSS, and CPU µs per completion of
// every process. Budget: +p50 < 1 ms, +p99 < 5 ms and ratio ≥ 0.95 at 256 sessions. 127.0.0.1 only.
//
// Usage: npx tsc -p tsconfig.json && node bench/gateway.mjs [--sessions 1,64,256] [--scenarios burst,paced,lockstep]
//        [--duration-ms 5000] [--warmup-ms 1000] [--chunks 20] [--paced-delay-ms 20]
//        [--modes direct,swebench,portkey,floor] [--no-portkey] [--cpu-prof <dir>] [--baseline-dist <dir>] [--repeat K]
//        [--body-kb N] [--records-dir DIR]
// `--records-dir DIR` keeps the swebench gateway's records there (timings.ttft_ms is the gateway's own view).
// `--body-kb N` sends an agent-like conversation of ~N KiB per request instead of one short user message (the
// gateway parses, translates, re-serialises and records every request body; the upstream parses it too).
// `--repeat K` runs every cell K times, the modes alternating (in a rotated order each time), and reports medians (the added latency is the median
// of the differences with the direct run of the same repetition): a 2-core host is noisy.
// `floor` adds a do-nothing streaming proxy (bench/lib/min-proxy-runner.mjs): the least any Node proxy costs.
// `--cpu-prof <dir>` writes <dir>/<mode>.cpuprofile per proxy process.
// `--baseline-dist` adds mode `baseline`: the gateway of another build (a copy of dist/ that can still resolve
// the project's node_modules), measured in the same run as the current one, to A/B a change on a noisy host.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startChild } from './lib/child.mjs';
import { loadOptions, parseLoad } from './lib/load-options.mjs';
import { ensurePortkey, startPortkey } from './lib/portkey.mjs';
import { cpuMs, markdownTable, ms, p50p99, rssSampler, signedMs } from './lib/stats.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    ...loadOptions({ sessions: '1,64,256', scenarios: 'burst,paced,lockstep', repeat: '1' }),
    modes: { type: 'string', default: 'direct,swebench,portkey' },
    'no-portkey': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    'baseline-dist': { type: 'string' },
    'body-kb': { type: 'string', default: '0' },
    'records-dir': { type: 'string' },
  },
});
// paced: sessions start spread over one completion and think between completions (an agent runs a tool),
// as real sessions do; lockstep: the same upstream, every session starting at once with no think time, so
// that all N requests arrive in the same millisecond every ~400 ms (a synthetic worst case of arrival).
const { sessionCounts, pacedDelay, scenarios, SCENARIOS, LOAD_SHAPE, repeat, durationMs, warmupMs } = parseLoad(values, {
  known: ['burst', 'paced', 'lockstep'],
  maxSessions: 1024,
});
const bodyKb = Number(values['body-kb']);
if (!Number.isFinite(bodyKb) || bodyKb < 0 || bodyKb > 4096) throw new Error('--body-kb: a size in KiB, 0..4096');
const wanted = new Set(values.modes.split(','));
wanted.add('direct'); // the baseline every other mode is compared with
if (values['no-portkey']) wanted.delete('portkey');
const log = (msg) => process.stderr.write(`${msg}\n`);

if (!existsSync(path.join(here, '..', 'dist', 'gateway', 'index.js'))) {
  log('dist/ is missing: run `npx tsc -p tsconfig.json` first');
  process.exit(1);
}

/** CPU ms used so far by each named process. */
async function cpuOf(procs) {
  const out = {};
  for (const [k, pid] of Object.entries(procs)) out[k] = pid ? await cpuMs(pid) : Number.NaN;
  return out;
}

let portkeyWhy = 'not requested';
const children = [];
const cleanup = () => Promise.allSettled(children.map((c) => c.stop()));
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

try {
  // --expose-gc: the load side collects its garbage before every cell, so that no cell pays for the one before
  const upstream = await startChild(path.join(here, 'lib', 'fast-upstream.mjs'), { args: ['--chunks', values.chunks], execArgv: ['--expose-gc'] });
  children.push(upstream);
  const upstreamUrl = upstream.info.url;
  const json = { 'content-type': 'application/json' };
  const chatPath = (c) => `/s/${c.session_id}/v1/chat/completions`;

  // --cpu-prof: every proxy process writes <dir>/<mode>.cpuprofile when it exits
  const profArgs = (mode) => (values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(values['cpu-prof']), '--cpu-prof-name', `${mode}.cpuprofile`] : []);
  const gateway = wanted.has('swebench')
    ? await startChild(path.join(here, 'lib', 'gateway-runner.mjs'), {
        args: ['--upstream', upstreamUrl, '--model', upstream.info.model, ...(values['records-dir'] ? ['--records-dir', path.resolve(values['records-dir'])] : [])],
        execArgv: profArgs('swebench'),
      })
    : undefined;
  if (gateway) children.push(gateway);
  const baseline = values['baseline-dist']
    ? await startChild(path.join(here, 'lib', 'gateway-runner.mjs'), {
        args: ['--upstream', upstreamUrl, '--model', upstream.info.model, '--dist', values['baseline-dist']],
        execArgv: profArgs('baseline'),
      })
    : undefined;
  if (baseline) children.push(baseline);
  const floor = wanted.has('floor') ? await startChild(path.join(here, 'lib', 'min-proxy-runner.mjs'), { args: ['--upstream', upstreamUrl], execArgv: profArgs('floor') }) : undefined;
  if (floor) children.push(floor);
  const client = await startChild(path.join(here, 'lib', 'load-client.mjs'), { execArgv: ['--expose-gc'] });
  children.push(client);

  let portkey;
  if (wanted.has('portkey')) {
    try {
      portkey = await startPortkey(await ensurePortkey(log));
      children.push(portkey);
      const probe = await client.call('run', {
        targets: [{ origin: portkey.url, path: '/v1/chat/completions', headers: { ...json, ...portkey.headers(upstreamUrl) } }],
        durationMs: 300,
        warmupMs: 0,
        maxPerSession: 5,
      });
      if (probe.completed === 0) throw new Error(probe.firstError ?? 'no completion came back');
    } catch (err) {
      portkeyWhy = String(err?.message ?? err);
      log(`portkey: unavailable, continuing without it: ${portkeyWhy}`);
      await portkey?.stop();
      portkey = undefined;
    }
  }

  /** Per mode: the process that proxies (for RSS and CPU), and the targets of n client sessions. */
  const modes = {
    direct: { pid: undefined, targets: async (n) => Array.from({ length: n }, () => ({ origin: upstreamUrl, path: '/v1/chat/completions', headers: json })) },
    ...(gateway && {
      swebench: {
        pid: gateway.pid,
        targets: async (n) =>
          (await gateway.call('sessions', { n })).map((c) => ({ origin: gateway.info.url, path: chatPath(c), headers: { ...json, authorization: `Bearer ${c.token}` } })),
      },
    }),
    ...(baseline && {
      baseline: {
        pid: baseline.pid,
        targets: async (n) =>
          (await baseline.call('sessions', { n })).map((c) => ({ origin: baseline.info.url, path: chatPath(c), headers: { ...json, authorization: `Bearer ${c.token}` } })),
      },
    }),
    ...(portkey && {
      portkey: { pid: portkey.pid, targets: async (n) => Array.from({ length: n }, () => ({ origin: portkey.url, path: '/v1/chat/completions', headers: { ...json, ...portkey.headers(upstreamUrl) } })) },
    }),
    ...(floor && {
      floor: { pid: floor.pid, targets: async (n) => (await floor.call('sessions', { n })).map((c) => ({ origin: floor.info.url, path: chatPath(c), headers: json })) },
    }),
  };

  log(
    `gateway bench: ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(2)}, node ${process.version}; ` +
      `${values.chunks} chunks/completion; ${warmupMs} ms warm-up + ${durationMs} ms per cell`,
  );
  const results = [];
  for (const scenario of scenarios) {
    await upstream.call('delay', { ms: SCENARIOS[scenario] });
    for (const n of sessionCounts) {
      // repetitions alternate the modes, so that a noisy moment of the host hits every mode alike
      // repetition k starts the rotation of the modes at mode k, so that no mode always runs right after another
      const all = Object.entries(modes);
      for (let rep = 1; rep <= repeat; rep++) for (const [mode, m] of all.slice((rep - 1) % all.length).concat(all.slice(0, (rep - 1) % all.length))) {
        const targets = await m.targets(n);
        const sampler = m.pid ? rssSampler(m.pid) : undefined;
        const procs = { upstream: upstream.pid, proxy: m.pid, client: client.pid };
        await upstream.call('gc');
        const cpu0 = await cpuOf(procs);
        const r = await client.call('run', { targets, durationMs, warmupMs, model: upstream.info.model, bodyKb, ...LOAD_SHAPE[scenario] });
        const cpu1 = await cpuOf(procs);
        const rss = sampler ? await sampler.stop() : Number.NaN;
        // CPU µs per completion of each process, over the whole cell (warm-up included)
        const cpuUs = Object.fromEntries(Object.keys(procs).map((k) => [k, ((cpu1[k] - cpu0[k]) * 1000) / Math.max(1, r.total)]));
        const { p50, p99 } = p50p99(r.ttfts);
        const cps = r.completed / r.seconds;
        results.push({ scenario, n, mode, rep, p50, p99, cps, rss, cpuUs, errors: r.errors, samples: r.ttfts.length });
        log(
          `  ${scenario} N=${n}${repeat > 1 ? ` #${rep}` : ''} ${mode.padEnd(8)} ${cps.toFixed(0).padStart(6)} completions/s  TTFT p50 ${ms(p50)} ms p99 ${ms(p99)} ms` +
            `${Number.isFinite(rss) ? `  RSS ${rss.toFixed(0)} MB` : ''}${r.errors ? `  ERRORS ${r.errors}: ${r.firstError}` : ''}`,
        );
      }
    }
  }
  process.stdout.write(`${report(results)}\n`);
} finally {
  await cleanup();
}

function report(results) {
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  const reps = (scenario, n, mode) => results.filter((r) => r.scenario === scenario && r.n === n && r.mode === mode);
  // one cell = the median over repetitions of each statistic
  const get = (scenario, n, mode) => {
    const rs = reps(scenario, n, mode);
    if (rs.length === 0) return undefined;
    const med = (f) => median(rs.map(f));
    return { p50: med((r) => r.p50), p99: med((r) => r.p99), cps: med((r) => r.cps), rss: Math.max(...rs.map((r) => r.rss)) };
  };
  // added latency and throughput ratio: the median of the differences with the direct run of the same repetition
  const vsDirect = (scenario, n, mode) => {
    const ds = reps(scenario, n, 'direct');
    const gs = reps(scenario, n, mode);
    if (gs.length === 0) return { cell: 'n/a', ratio: 'n/a' };
    const pair = (f) => median(gs.map((g) => f(g, ds.find((d) => d.rep === g.rep))));
    const dp50 = pair((g, d) => g.p50 - d.p50);
    const dp99 = pair((g, d) => g.p99 - d.p99);
    const r = pair((g, d) => g.cps / d.cps);
    return { cell: `${signedMs(dp50)} / ${signedMs(dp99)}`, ratio: r.toFixed(3), dp50, dp99, r };
  };
  const mb = (r) => (r && Number.isFinite(r.rss) ? r.rss.toFixed(0) : 'n/a');
  const us = (v) => (Number.isFinite(v) ? v.toFixed(0) : '-');
  const out = [];
  for (const scenario of scenarios) {
    const what = SCENARIOS[scenario] === 0 ? 'all chunks at once' : `a chunk every ${SCENARIOS[scenario]} ms`;
    // one pair of columns per proxy measured in this run
    const proxies = ['swebench', 'baseline', 'floor', 'portkey'].filter((m) => reps(scenario, sessionCounts[0], m).length > 0);
    const rows = sessionCounts.map((n) => {
      const d = get(scenario, n, 'direct');
      const cells = proxies.flatMap((m) => {
        const v = vsDirect(scenario, n, m);
        return [v.cell, v.ratio];
      });
      return [String(n), `${ms(d.p50)} / ${ms(d.p99)}`, ...cells, mb(get(scenario, n, 'swebench')), mb(get(scenario, n, 'portkey'))];
    });
    const shape = { burst: '', paced: `; sessions staggered, 0–${4 * pacedDelay} ms think time between completions`, lockstep: '; every session in lockstep, no think time' }[scenario];
    out.push(
      `### ${scenario}: ${values.chunks}-chunk streaming chat completions, upstream sends ${what}${shape} (TTFT ms; + = added vs direct${repeat > 1 ? `; medians of ${repeat} runs` : ''})`,
      '',
      markdownTable(
        ['N', 'direct TTFT p50/p99', ...proxies.flatMap((m) => [`${m} +p50/+p99`, `${m} thr ratio`]), 'gateway RSS MB', 'portkey RSS MB'],
        rows,
      ),
      '',
    );
    const last = sessionCounts[sessionCounts.length - 1];
    for (const m of proxies.filter((x) => x !== 'portkey')) {
      const v = vsDirect(scenario, last, m);
      out.push(
        `Budget at N=${last} (${m}): added p50 ${signedMs(v.dp50)} ms (< 1: ${v.dp50 < 1 ? 'met' : 'MISSED'}), ` +
          `added p99 ${signedMs(v.dp99)} ms (< 5: ${v.dp99 < 5 ? 'met' : 'MISSED'}), ` +
          `throughput ratio ${v.ratio} (≥ 0.95: ${v.r >= 0.95 ? 'met' : 'MISSED'})`,
      );
    }
    out.push('');
  }
  const detail = results.map((r) => [
    r.scenario,
    String(r.n),
    repeat > 1 ? `${r.mode} #${r.rep}` : r.mode,
    r.cps.toFixed(0),
    ms(r.p50),
    ms(r.p99),
    String(r.samples),
    String(r.errors),
    us(r.cpuUs.upstream),
    us(r.cpuUs.proxy),
    us(r.cpuUs.client),
  ]);
  out.push(
    '### every cell (CPU µs per completion from /proc, user + system, all threads)',
    '',
    markdownTable(['scenario', 'N', 'mode', 'completions/s', 'TTFT p50', 'TTFT p99', 'TTFT samples', 'errors', 'upstream CPU', 'proxy CPU', 'client CPU'], detail),
  );
  if (!results.some((r) => r.mode === 'portkey')) out.push('', `portkey: not measured (${portkeyWhy})`);
  return out.join('\n');
}
