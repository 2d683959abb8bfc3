// Which exit code a failed hub download maps to, against a real HTTP server on 127.0.0.1: the hub being down
// (closed port, 5xx, 429, a body cut short) is a NetworkError (exit 7, retry later); a dataset that does not
// exist or needs a token is bad input (ConfigError, exit 2).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTasks } from '../../../src/dataset/index.js';
import { ConfigError, EXIT_CODES, NetworkError } from '../../../src/errors.js';
import { caught, tempDir } from './helpers.js';

const DATASET = 'SWE-bench/SWE-bench_Verified';
const LISTING = `/api/datasets/${DATASET}/parquet`;

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

/** A hub on 127.0.0.1 whose every answer `route` decides; returns its base URL. */
async function hub(route: (req: http.IncomingMessage, res: http.ServerResponse, base: string) => void): Promise<string> {
  let base = '';
  const server = http.createServer((req, res) => route(req, res, base));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return base;
}

/** A listing with one shard served by `file`. */
function oneShard(file: (res: http.ServerResponse) => void) {
  return (req: http.IncomingMessage, res: http.ServerResponse, base: string) => {
    if (req.url === LISTING) res.end(JSON.stringify({ default: { test: [`${base}/file/0.parquet`] } }));
    else file(res);
  };
}

const load = (endpoint: string) => caught(() => loadTasks(DATASET, { cacheDir: tempDir(), hfEndpoint: endpoint }));

function expectNetwork(err: Error & { code?: string; exitCode?: number }, message: RegExp): void {
  expect(err).toBeInstanceOf(NetworkError);
  expect(err.exitCode).toBe(EXIT_CODES.network);
  expect(err.exitCode).toBe(7);
  expect(err.code).toBe('E_DATASET_DOWNLOAD');
  expect(err.message).toMatch(message);
}

describe('hub download failures: network (7) or bad input (2)', () => {
  it('a closed port is a NetworkError', async () => {
    const base = await hub((_req, res) => res.end());
    const s = servers.pop()!;
    await new Promise<void>((resolve) => s.close(() => resolve())); // nothing listens there any more
    expectNetwork(await load(base), new RegExp(`^HuggingFace dataset ${DATASET}: could not reach ${base}${LISTING} \\(.+\\)$`));
  });

  it('a 503 on the listing is a NetworkError', async () => {
    const base = await hub((_req, res) => res.writeHead(503).end('upstream unavailable'));
    expectNetwork(await load(base), new RegExp(`listing ${base}${LISTING} failed with HTTP 503$`));
  });

  it('a 429 (rate limit) on a shard is a NetworkError', async () => {
    const base = await hub(oneShard((res) => res.writeHead(429).end('slow down')));
    expectNetwork(await load(base), new RegExp(`downloading ${base}/file/0.parquet failed with HTTP 429$`));
  });

  it('a body cut short is a NetworkError', async () => {
    const base = await hub(oneShard((res) => {
      res.writeHead(200, { 'content-length': 1000 });
      res.write(Buffer.alloc(100));
      setTimeout(() => res.destroy(), 20);
    }));
    expectNetwork(await load(base), new RegExp(`downloading ${base}/file/0.parquet failed \\(.+\\)$`));
  });

  it('a 404 (no such dataset) stays a ConfigError', async () => {
    const base = await hub((_req, res) => res.writeHead(404).end('{"error":"not found"}'));
    const err = await load(base);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.exitCode).toBe(EXIT_CODES.config);
  });

  it('a 401 (gated dataset without HF_TOKEN) stays a ConfigError that says so', async () => {
    const base = await hub((_req, res) => res.writeHead(401).end());
    const err = await load(base);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.exitCode).toBe(EXIT_CODES.config);
    expect(err.message).toMatch(/HTTP 401 \(gated or private: set HF_TOKEN\)$/);
  });
});
