// A real image registry on 127.0.0.1 for the Docker suites and the benchmarks (plain JS for both): Debian's docker-registry, started per suite with its
// storage in a temporary directory (loopback registries speak plain HTTP; Docker allows 127.0.0.0/8 without TLS).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

/** True when docker-registry is installed; without it the suite skips loudly, or fails under SWEBENCH_REQUIRE_DOCKER=1. */
export function registryInstalled() {
  if (existsSync(REGISTRY_BIN)) return true;
  const msg = `${REGISTRY_BIN} not found (apt-get install docker-registry): registry tests are SKIPPED`;
  if (process.env.SWEBENCH_REQUIRE_DOCKER === '1') throw new Error(`${msg} (SWEBENCH_REQUIRE_DOCKER=1)`);
  console.warn(`\n!!! ${msg}\n`);
  return false;
}

/** @returns {Promise<number>} */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().on('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

async function waitForRegistry(url, child, logFile) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${readFileSync(logFile, 'utf8')}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`docker-registry did not answer at ${url} within 30 s: ${readFileSync(logFile, 'utf8')}`);
}

/**
 * A running registry: `host` is `127.0.0.1:<port>`; `stop()` kills it and removes its storage.
 * @returns {Promise<{ host: string, stop(): void }>}
 */
export async function startRegistry() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'swebench-registry-'));
  const logFile = path.join(dir, 'registry.log');
  const host = `127.0.0.1:${await freePort()}`;
  writeFileSync(
    path.join(dir, 'config.yml'),
    ['version: 0.1', 'log:', '  level: warn', 'storage:', '  filesystem:', `    rootdirectory: ${path.join(dir, 'data')}`, 'http:', `  addr: ${host}`, ''].join('\n'),
  );
  const out = openSync(logFile, 'a');
  const child = spawn(REGISTRY_BIN, ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', out, out] });
  await waitForRegistry(`http://${host}/v2/`, child, logFile);
  return {
    host,
    stop: () => {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
