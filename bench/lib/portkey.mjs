// The peer gateway for side-by-side numbers: Portkey's open-source AI gateway (@portkey-ai/gateway), installed
// on demand into the swebench cache (outside the repo) and started on a free 127.0.0.1 port. Requests reach a
// custom OpenAI-compatible upstream through its headers `x-portkey-provider: openai` and
// `x-portkey-custom-host: <upstream>/v1` (127.0.0.1 is in its default TRUSTED_CUSTOM_HOSTS). Its streaming path
// needs a small fetch shim on Node 20 (see portkey-fetch-shim.mjs).
import { spawn, execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { terminate } from './child.mjs';

export const PORTKEY_PACKAGE = '@portkey-ai/gateway@1.15.2';

/** Cache directory of the Portkey install. */
export function portkeyDir() {
  const cache = process.env.SWEBENCH_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'swebench');
  return path.join(cache, 'bench', 'portkey');
}

/** Installs Portkey into the cache unless present; returns the path of its server script. */
export async function ensurePortkey(log) {
  const dir = portkeyDir();
  const script = path.join(dir, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');
  if (existsSync(script)) return script;
  await mkdir(dir, { recursive: true });
  log(`installing ${PORTKEY_PACKAGE} into ${dir} …`);
  await promisify(execFile)('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', PORTKEY_PACKAGE], { timeout: 300_000 });
  if (!existsSync(script)) throw new Error(`npm install succeeded but ${script} is missing`);
  return script;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts Portkey headless; resolves with {url, pid, headers(upstreamUrl), stop()} once it answers `GET /`. */
export async function startPortkey(script) {
  const port = await freePort();
  const shim = new URL('./portkey-fetch-shim.mjs', import.meta.url).href;
  const proc = spawn(process.execPath, ['--import', shim, script, `--port=${port}`, '--headless'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  let stderr = '';
  proc.stderr.on('data', (b) => {
    if (stderr.length < 4000) stderr += b;
  });
  let exited = false;
  proc.on('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  const stop = () => (exited ? Promise.resolve() : terminate(proc));
  for (let i = 0; i < 150; i++) {
    if (exited) throw new Error(`portkey exited during start-up: ${stderr.trim().slice(0, 500)}`);
    try {
      const r = await fetch(`${url}/`, { signal: AbortSignal.timeout(1000) });
      await r.text();
      if (r.ok) {
        return {
          url,
          pid: proc.pid,
          headers: (upstreamUrl) => ({ 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${upstreamUrl}/v1`, authorization: 'Bearer bench' }),
          stop,
        };
      }
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  await stop();
  throw new Error(`portkey did not answer on ${url} within 15 s: ${stderr.trim().slice(0, 500)}`);
}
