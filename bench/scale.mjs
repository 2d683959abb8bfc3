#!/usr/bin/env node
// Scale of a run on one machine, with synthetic tasks made from the fixtures under new instance ids:
//   --part local     local images, `--model oracle` and `noop`, at each --concurrency: sessions/hour, orchestration
//                    overhead per session (run_ms − the harness's own run − the test run) p50/p99, the
//                    orchestrator's RSS at start/end and event-loop lag p99, containers left behind;
//   --part registry  one distinct image per task (a fixture image plus a layer of its own) served only by a local
//                    docker-registry on 127.0.0.1, `--images remove --max-image-disk`, with prefetch and without
//                    (same run): summed time sessions waited for images, image disk sampled every 200 ms vs the
//                    budget, images of the run left at the end (0), images present before (untouched), resolved.
// Everything runs in this process (runSubmit), so RSS and event-loop lag are the orchestrator's, gateway included.
//
// Usage: npm run build && node bench/scale.mjs [--part local,registry] [--harness codex] [--tasks 48]
//        [--concurrency 4,8,16] [--models oracle,noop] [--registry-tasks 40] [--budget-gb 0.6] [--json] [--keep]
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { execa } from 'execa';
import { arg, flag } from './lib/argv.mjs';
import { overheadMs, quantile, runFigures } from './lib/submit-figures.mjs';
import { textTable as table } from './lib/stats.mjs';
import { buildFixtures } from '../test/fixtures/build-fixtures.mjs';
import { startRegistry } from '../test/helpers/registry.mjs';
import { resolveSubmitConfig } from '../dist/config/load.js';
import { createLogger } from '../dist/logger.js';
import { runSubmit } from '../dist/run/index.js';

const parts = arg('--part', 'local,registry').split(',');
const harness = arg('--harness', 'codex');
const nTasks = Number(arg('--tasks', '48'));
const levels = arg('--concurrency', '4,8,16').split(',').map(Number);
const models = arg('--models', 'oracle,noop').split(',');
const nRegistry = Number(arg('--registry-tasks', '40'));
const budgetGb = Number(arg('--budget-gb', '0.6'));
const logger = createLogger({ level: process.env.SWEBENCH_LOG_LEVEL ?? 'warn' });

const { tasksFile } = await buildFixtures({ images: true, log: () => {} });
const fixtures = readFileSync(tasksFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const work = await mkdtemp(path.join(os.tmpdir(), 'swebench-bench-scale-'));
const docker = (...args) => execa('docker', args);

/** `n` tasks cycling through the fixtures under new ids (`scale__calc-1-3`); `image(task, k)` may rename the image. */
function syntheticDataset(name, n, image = (t) => t.image) {
  const rows = Array.from({ length: n }, (_, k) => {
    const t = fixtures[k % fixtures.length];
    return { ...t, instance_id: `scale__${t.instance_id.split('__')[1]}-${k}`, image: image(t, k) };
  });
  const file = path.join(work, `${name}.jsonl`);
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return { file, rows };
}


async function managedContainers() {
  return (await docker('ps', '-aq', '--filter', 'label=swebench.managed')).stdout.split('\n').filter(Boolean).length;
}

/** One submit in this process, with RSS and event-loop lag sampled around it. */
async function measure(runId, flags) {
  const config = resolveSubmitConfig({ flags: { harness: [harness], output_dir: work, run_id: runId, timeout: 600, ...flags } });
  const lag = monitorEventLoopDelay({ resolution: 10 });
  global.gc?.();
  const rssStart = process.memoryUsage().rss;
  const sessions = [];
  lag.enable();
  const t0 = performance.now();
  const summary = await runSubmit(config, { logger, reporter: { onSessionDone: (ses) => sessions.push(ses) } });
  const wallMs = performance.now() - t0;
  lag.disable();
  global.gc?.();
  const rssEnd = process.memoryUsage().rss;
  const overhead = sessions.map(overheadMs);
  return {
    ...runFigures(sessions, wallMs),
    overhead_p50_ms: quantile(overhead, 0.5),
    overhead_p99_ms: quantile(overhead, 0.99),
    rss_start_mb: rssStart / 2 ** 20,
    rss_end_mb: rssEnd / 2 ** 20,
    lag_p99_ms: lag.percentile(99) / 1e6,
    containers_left: await managedContainers(),
    images: summary.images,
  };
}

const results = { local: [], registry: [] };
let registry;
try {
  if (parts.includes('local')) {
    const { file } = syntheticDataset('local', nTasks);
    for (const model of models) {
      for (const c of levels) {
        process.stderr.write(`scale: ${model} × ${nTasks} tasks at --concurrency ${c}…\n`);
        results.local.push({ model, concurrency: c, ...(await measure(`local-${model}-c${c}`, { model, dataset: file, concurrency: c })) });
      }
    }
  }
  if (parts.includes('registry')) {
    registry = await startRegistry();
    const prefix = `${registry.host}/`;
    // one distinct image per task: the fixture image plus a 1 MB layer of its own, pushed, then removed locally
    process.stderr.write(`scale: building and pushing ${nRegistry} distinct images to ${registry.host}…\n`);
    const { file, rows } = syntheticDataset('registry', nRegistry, (t, k) => `scale/${t.instance_id.split('__')[1]}-${k}:v1`);
    for (const [k, row] of rows.entries()) {
      const base = fixtures[k % fixtures.length].image;
      const maker = `swebench-scale-maker-${k}`;
      await docker('run', '--name', maker, base, 'sh', '-c', `head -c 1000000 /dev/urandom > /opt/scale-${k}`);
      await docker('commit', maker, `${prefix}${row.image}`);
      await docker('rm', maker);
      await docker('push', `${prefix}${row.image}`);
      await docker('rmi', `${prefix}${row.image}`);
    }
    const before = (await docker('images', '-q', '--no-trunc')).stdout.split('\n').sort().join(',');
    const held = async () => {
      const lines = (await docker('images', '--format', '{{.Repository}}:{{.Tag}}')).stdout.split('\n').filter((l) => l.startsWith(prefix));
      let bytes = 0;
      for (const l of lines) bytes += Number((await docker('image', 'inspect', '--format', '{{.Size}}', l).catch(() => ({ stdout: '0' }))).stdout);
      return bytes;
    };
    // prefetch on and off without a budget (the wait is then the pulls'), then the budget run
    const variants = [{ prefetch: 8 }, { prefetch: 0 }, { prefetch: 8, max_image_disk: budgetGb }];
    for (const { prefetch, max_image_disk } of variants) {
      process.stderr.write(`scale: ${nRegistry} tasks from the registry, prefetch ${prefetch}${max_image_disk ? `, budget ${max_image_disk} GB` : ''}…\n`);
      let peak = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          peak = Math.max(peak, await held());
          await new Promise((r) => setTimeout(r, 200));
        }
      })();
      const m = await measure(`registry-prefetch${prefetch}${max_image_disk ? '-budget' : ''}`, {
        model: 'oracle', dataset: file, concurrency: 4, image_registry: prefix, images: 'remove', prefetch, ...(max_image_disk ? { max_image_disk } : {}),
      });
      sampling = false;
      await sampler;
      const after = (await docker('images', '-q', '--no-trunc')).stdout.split('\n').sort().join(',');
      results.registry.push({ prefetch, ...m, sampled_peak_gb: peak / 1e9, budget_gb: max_image_disk ?? null, run_images_left: (await held()) > 0 ? 'some' : 0, others_untouched: after === before });
    }
  }
} finally {
  registry?.stop();
  if (!flag('--keep')) await rm(work, { recursive: true, force: true });
  else process.stderr.write(`run directories kept in ${work}\n`);
}

const f = (x, d = 1) => (x === null || x === undefined ? '—' : Number(x).toFixed(d));
if (flag('--json')) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
else {
  if (results.local.length) {
    process.stdout.write(`\nlocal images, harness ${harness}, ${nTasks} tasks per cell (host: ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB)\n`);
    process.stdout.write(table(
      ['model', 'conc', 'sessions', 'resolved', 'sessions/h', 'overhead p50 s', 'overhead p99 s', 'RSS start MB', 'RSS end MB', 'end/start', 'lag p99 ms', 'containers left'],
      results.local.map((r) => [r.model, r.concurrency, r.sessions, r.resolved, f(r.sessions_per_hour, 0), f(r.overhead_p50_ms / 1000, 2), f(r.overhead_p99_ms / 1000, 2), f(r.rss_start_mb), f(r.rss_end_mb), f(r.rss_end_mb / r.rss_start_mb, 2), f(r.lag_p99_ms), r.containers_left]),
    ));
  }
  if (results.registry.length) {
    process.stdout.write(`\n${nRegistry} distinct images only in a local registry, oracle, --concurrency 4, --images remove\n`);
    process.stdout.write(table(
      ['prefetch', 'budget GB', 'sessions', 'resolved', 'image wait s (sum)', 'pulled', 'removed', 'peak held GB (sampled)', 'peak held GB (run)', 'run images left', 'others untouched', 'sessions/h'],
      results.registry.map((r) => [r.prefetch, r.budget_gb ?? '—', r.sessions, r.resolved, f(r.images.waitMs / 1000), r.images.pulled, r.images.removed, f(r.sampled_peak_gb, 2), f(r.images.peakHeldBytes / 1e9, 2), r.run_images_left, r.others_untouched, f(r.sessions_per_hour, 0)]),
    ));
    const [on, off] = results.registry;
    if (on && off) process.stdout.write(`image wait with prefetch / without: ${f(on.images.waitMs / Math.max(1, off.images.waitMs), 3)}\n`);
  }
}
