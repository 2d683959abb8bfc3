// Runs the swebench gateway (built library from dist/, or another build with --dist) alone in a child process
// for the benchmarks, with records on disk (a temp dir removed at the end, or --records-dir, kept): the real
// configuration. Commands: `sessions` (create n sessions through the embedded session API), `sockets` (their
// Unix-socket listeners) and `memory`
// (process.memoryUsage, after a GC when asked and the process runs with --expose-gc).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { serveParent } from './child.mjs';

const { values } = parseArgs({
  options: {
    upstream: { type: 'string' },
    model: { type: 'string' },
    'records-dir': { type: 'string' },
    // another build of the library (e.g. a copy of dist/ from before a change), for A/B runs
    dist: { type: 'string' },
  },
});
const dist = values.dist ? pathToFileURL(path.resolve(values.dist)).href : new URL('../../dist', import.meta.url).href;
const { startGateway } = await import(`${dist}/gateway/index.js`);
const ownDir = !values['records-dir'];
const recordsDir = values['records-dir'] ?? (await mkdtemp(path.join(os.tmpdir(), 'swebench-bench-records-')));
const gateway = await startGateway({
  upstreamUrl: values.upstream,
  ...(values.model ? { upstreamModel: values.model } : {}),
  recordsDir,
});

serveParent(
  {
    sessions({ n, maxCompletions }) {
      const out = [];
      for (let i = 0; i < n; i++) out.push(gateway.sessions.create(maxCompletions ? { maxCompletions } : {}));
      return out;
    },
    /** Per-session Unix-socket listeners (the sealed network's host side, bench/forwarder.mjs): their paths. */
    async sockets({ ids }) {
      return Promise.all(ids.map(async (id) => (await gateway.sessionSockets.listen(id)).path));
    },
    memory({ gc }) {
      if (gc && globalThis.gc) globalThis.gc();
      return process.memoryUsage();
    },
  },
  { url: gateway.url, adminToken: gateway.adminToken, recordsDir },
  async () => {
    await gateway.close({ graceMs: 1000 });
    if (ownDir) await rm(recordsDir, { recursive: true, force: true });
  },
);
