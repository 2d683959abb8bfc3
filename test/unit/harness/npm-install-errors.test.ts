// Which error (and exit code) a failed `npm install` maps to, with the real npm against registries on 127.0.0.1:
// a registry that is down (closed port) or failing (503) is a NetworkError (exit 7, retry later); a package or
// version that does not exist is bad input (ConfigError, exit 2).
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, EXIT_CODES, NetworkError } from '../../../src/errors.js';
import { npmInstall } from '../../../src/harness/npm-install.js';

const ENV = ['npm_config_registry', 'npm_config_cache', 'npm_config_fetch_retries'] as const;

describe('npm install failures: network (7) or bad input (2)', () => {
  let tmp: string;
  const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
  const servers: http.Server[] = [];

  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'swebench-npm-errors-'));
    process.env.npm_config_cache = path.join(tmp, 'npm-cache');
    process.env.npm_config_fetch_retries = '0'; // one attempt: the mapping is under test, not npm's backoff
  });
  afterAll(async () => {
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  /** A registry on 127.0.0.1 answering every request with `status`. */
  async function registry(status: number): Promise<string> {
    const server = http.createServer((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end('{"error":"nope"}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  const install = async (registryUrl: string) => {
    process.env.npm_config_registry = registryUrl;
    try {
      await npmInstall(mkdtempSync(path.join(tmp, 'prefix-')), ['fake-agent@1.0.0']);
    } catch (err) {
      return err as Error & { exitCode?: number; code?: string };
    }
    throw new Error('npm install succeeded');
  };

  it('a registry answering 503 is a NetworkError (exit 7)', async () => {
    const err = await install(await registry(503));
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.exitCode).toBe(EXIT_CODES.network);
    expect(err.code).toBe('E_HARNESS_INSTALL');
    expect(err.message).toMatch(/^npm install fake-agent@1\.0\.0 failed: the registry is unreachable or failing \(E503\)/);
  }, 60_000);

  it('a closed registry port is a NetworkError (exit 7)', async () => {
    const url = await registry(200);
    const s = servers.pop()!;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    const err = await install(url);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.exitCode).toBe(7);
    expect(err.message).toMatch(/\(ECONNREFUSED\)/);
  }, 60_000);

  it('a package the registry does not have (404) stays a ConfigError (exit 2)', async () => {
    const err = await install(await registry(404));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.exitCode).toBe(EXIT_CODES.config);
  }, 60_000);
});
