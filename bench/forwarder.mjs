#!/usr/bin/env node
// Benchmark: what the sealed agent network's forwarder adds to each streamed completion (DESIGN.md decision 10).
// The same load of N sessions goes
//   tcp        client → swebench gateway over TCP (what `--agent-network host` gives a harness)
//   forwarder  client → the forwarder (forward.mjs from dist/, one process per session, as one runs in each
//              container, started with `forward.mjs start` like the pipeline does) → the session's Unix socket →
//              the same gateway
// with the upstream (bench/lib/fast-upstream.mjs), the gateway, the forwarders and the client each in their own
// processes, in two scenarios: `paced` (a chunk every 20 ms, sessions staggered, 0–80 ms seeded think time
// between completions: a model server sets the pace) and `burst` (all chunks at once: the forwarder's CPU cost).
// Printed per scenario and N: added TTFT p50/p99 and added whole-completion time p50/p99 (forwarder minus tcp,
// the median over repetitions of the difference within a repetition, the modes alternating), the throughput
// ratio, CPU µs per completion of the gateway and of the forwarders, and how long a forwarder takes to start.
// 127.0.0.1 and Unix sockets only.
//
// Usage: npx tsc -p tsconfig.json && node bench/forwarder.mjs [--sessions 1,16] [--scenarios paced,burst]
//        [--duration-ms 5000] [--warmup-ms 1000] [--chunks 20] [--paced-delay-ms 20] [--repeat 3] [--seed 1]
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startChild } from './lib/child.mjs';
import { loadOptions, parseLoad } from './lib/load-options.mjs';
import { cpuMs, markdownTable, ms, p50p99, signedMs } from './lib/stats.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: { ...loadOptions({ sessions: '1,16', scenarios: 'paced,burst', repeat: '3' }), seed: { type: 'string', default: '1' } },
});
const { sessionCounts, pacedDelay, scenarios, SCENARIOS, LOAD_SHAPE, repeat, durationMs, warmupMs } = parseLoad(values, {
  known: ['paced', 'burst'],
  maxSessions: 64,
  sessionsNote: ' (one forwarder process each)',
});
const seed = Number(values.seed);
const log = (msg) => process.stderr.write(`${msg}\n`);

const dist = path.join(here, '..', 'dist');
if (!existsSync(path.join(dist, 'runtime', 'forwarder-source.js'))) {
  log('dist/ is missing: run `npx tsc -p tsconfig.json` first');
  process.exit(1);
}
const { FORWARDER_SOURCE } = await import(pathToFileURL(path.join(dist, 'runtime', 'forwarder-source.js')).href);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'swebench-bench-forwarder-'));
const script = path.join(tmp, 'forward.mjs');
writeFileSync(script, FORWARDER_SOURCE);

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts one forwarder the way the pipeline does (`start`: detached `serve`, one probe through it); its pid and port. */
const startMs = [];
async function startForwarder(socketPath, probePath) {
  const port = await freePort();
  const t0 = performance.now();
  const out = await new Promise((resolve, reject) => {
    execFile(process.execPath, [script, 'start', String(port), socketPath, probePath, path.join(tmp, 'forwarder.log')], { timeout: 30_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`forwarder did not start: ${stdout}${stderr}`)) : resolve(stdout),
    );
  });
  startMs.push(performance.now() - t0);
  const pid = Number(/\(pid (\d+),/.exec(out)?.[1]);
  if (!pid) throw new Error(`forwarder: no pid in ${JSON.stringify(out)}`);
  return { pid, port };
}

const stopPid = (pid) => {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // gone already
  }
};

const children = [];
let forwarderPids = [];
const cleanup = async () => {
  forwarderPids.forEach(stopPid);
  await Promise.allSettled(children.map((c) => c.stop()));
  rmSync(tmp, { recursive: true, force: true });
};
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

try {
  const upstream = await startChild(path.join(here, 'lib', 'fast-upstream.mjs'), { args: ['--chunks', values.chunks], execArgv: ['--expose-gc'] });
  children.push(upstream);
  const gateway = await startChild(path.join(here, 'lib', 'gateway-runner.mjs'), { args: ['--upstream', upstream.info.url, '--model', upstream.info.model] });
  children.push(gateway);
  const client = await startChild(path.join(here, 'lib', 'load-client.mjs'), { execArgv: ['--expose-gc'] });
  children.push(client);
  const json = { 'content-type': 'application/json' };
  const chatPath = (c) => `/s/${c.session_id}/v1/chat/completions`;

  /** Per mode: the targets of n fresh sessions, and the forwarder pids serving them. */
  const modes = {
    tcp: async (n) => ({
      pids: [],
      targets: (await gateway.call('sessions', { n })).map((c) => ({ origin: gateway.info.url, path: chatPath(c), headers: { ...json, authorization: `Bearer ${c.token}` } })),
    }),
    forwarder: async (n) => {
      const creds = await gateway.call('sessions', { n });
      const sockets = await gateway.call('sockets', { ids: creds.map((c) => c.session_id) });
      const fwds = await Promise.all(creds.map((c, i) => startForwarder(sockets[i], `/s/${c.session_id}/v1/models`)));
      return {
        pids: fwds.map((f) => f.pid),
        targets: creds.map((c, i) => ({ origin: `http://127.0.0.1:${fwds[i].port}`, path: chatPath(c), headers: { ...json, authorization: `Bearer ${c.token}` } })),
      };
    },
  };

  log(
    `forwarder bench: ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(2)}, node ${process.version}; ` +
      `${values.chunks} chunks/completion; ${warmupMs} ms warm-up + ${durationMs} ms per cell; ${repeat} repetition(s), seed ${seed}`,
  );
  const results = [];
  for (const scenario of scenarios) {
    await upstream.call('delay', { ms: SCENARIOS[scenario] });
    for (const n of sessionCounts) {
      const all = Object.entries(modes);
      for (let rep = 1; rep <= repeat; rep++) {
        // the first mode alternates with the repetition, so that neither always runs right after the other
        for (const [mode, setUp] of rep % 2 ? all : [...all].reverse()) {
          const { pids, targets } = await setUp(n);
          forwarderPids = pids;
          await upstream.call('gc');
          const cpuOf = async () => ({ gateway: await cpuMs(gateway.pid), forwarders: (await Promise.all(pids.map((p) => cpuMs(p)))).reduce((a, b) => a + b, 0) });
          const cpu0 = await cpuOf();
          const r = await client.call('run', { targets, durationMs, warmupMs, model: upstream.info.model, seed, ...LOAD_SHAPE[scenario] });
          const cpu1 = await cpuOf();
          pids.forEach(stopPid);
          forwarderPids = [];
          const per = (k) => ((cpu1[k] - cpu0[k]) * 1000) / Math.max(1, r.total);
          const t = p50p99(r.ttfts);
          const w = p50p99(r.totals);
          results.push({ scenario, n, mode, rep, t, w, cps: r.completed / r.seconds, gatewayUs: per('gateway'), forwarderUs: per('forwarders'), errors: r.errors });
          log(
            `  ${scenario} N=${n} #${rep} ${mode.padEnd(9)} ${(r.completed / r.seconds).toFixed(0).padStart(6)} completions/s  TTFT p50 ${ms(t.p50)} p99 ${ms(t.p99)}  ` +
              `whole p50 ${ms(w.p50)} p99 ${ms(w.p99)} ms${r.errors ? `  ERRORS ${r.errors}: ${r.firstError}` : ''}`,
          );
        }
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
  const out = [];
  for (const scenario of scenarios) {
    const rows = sessionCounts.map((n) => {
      const of = (mode) => results.filter((r) => r.scenario === scenario && r.n === n && r.mode === mode);
      const tcp = of('tcp');
      const fwd = of('forwarder');
      const pair = (f) => median(fwd.map((g) => f(g, tcp.find((d) => d.rep === g.rep))));
      const med = (rs, f) => median(rs.map(f));
      return [
        String(n),
        `${ms(med(tcp, (r) => r.t.p50))} / ${ms(med(tcp, (r) => r.t.p99))}`,
        `${signedMs(pair((g, d) => g.t.p50 - d.t.p50))} / ${signedMs(pair((g, d) => g.t.p99 - d.t.p99))}`,
        `${ms(med(tcp, (r) => r.w.p50))} / ${ms(med(tcp, (r) => r.w.p99))}`,
        `${signedMs(pair((g, d) => g.w.p50 - d.w.p50))} / ${signedMs(pair((g, d) => g.w.p99 - d.w.p99))}`,
        pair((g, d) => g.cps / d.cps).toFixed(3),
        `${med(tcp, (r) => r.gatewayUs).toFixed(0)} / ${med(fwd, (r) => r.gatewayUs).toFixed(0)}`,
        med(fwd, (r) => r.forwarderUs).toFixed(0),
      ];
    });
    const what = SCENARIOS[scenario] === 0 ? 'all chunks at once' : `a chunk every ${SCENARIOS[scenario]} ms, sessions staggered, 0–${4 * pacedDelay} ms think time`;
    out.push(
      `### ${scenario}: ${values.chunks}-chunk streaming chat completions, ${what} (ms; + = forwarder minus tcp, medians of ${repeat} paired runs)`,
      '',
      markdownTable(
        ['N', 'tcp TTFT p50/p99', 'forwarder +TTFT p50/p99', 'tcp whole p50/p99', 'forwarder +whole p50/p99', 'thr ratio', 'gateway CPU µs/completion tcp / socket', 'forwarder CPU µs/completion'],
        rows,
      ),
      '',
    );
  }
  const st = p50p99(startMs);
  out.push(`Forwarder start (\`forward.mjs start\`: spawn the detached server, one request through it), ${startMs.length} starts: p50 ${ms(st.p50)} ms, p99 ${ms(st.p99)} ms (host processes; in a container add one docker exec).`);
  return out.join('\n');
}
