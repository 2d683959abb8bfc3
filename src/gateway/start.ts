// Starts the gateway in-process, two ways: `startGateway` (what `submit` embeds) finds the upstream model first and
// fails fast; `openGateway` (`swebench gateway`) listens at once and finds it in the background, because the
// model server may still be loading. Both listen on 127.0.0.1 by default and close gracefully (in-flight
// completions get a grace period, then are aborted and still recorded).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, GatewayError } from '../errors.js';
import { registerSecret, silentLogger } from '../logger.js';
import { randomToken } from './auth.js';
import {
  DEFAULT_CLOSE_GRACE_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_RETRY,
  DEFAULT_UPSTREAM_TIMEOUT_MS,
  type GatewayOptions,
} from './options.js';
import { createSealer } from './seal.js';
import { createRequestHandler, type GatewayState } from './server.js';
import { SessionSockets } from './session-socket.js';
import { SessionRegistry, type GatewaySessions } from './sessions.js';
import { UpstreamReadiness } from './readiness.js';
import { UpstreamClient, discoverUpstreamModel, type Upstream } from './upstream.js';
import { CallbackUpstream } from './trainer/callback.js';
import { TrainerQueue } from './trainer/pull.js';
import type { TrainerHandler } from './trainer/types.js';

/** A running gateway whose upstream model may not be known yet (`openGateway`). */
export interface GatewayServer {
  /** `http://host:port` (session base URLs are `<url>/s/<session_id>/v1`). */
  url: string;
  adminToken: string;
  /** The upstream model once known, or why not yet (what `/readyz` reports). */
  upstream: UpstreamReadiness;
  recordsDir: string;
  sessions: GatewaySessions;
  /** Per-session Unix-socket listeners, for sealed agent containers (session-socket.ts). */
  sessionSockets: SessionSockets;
  /**
   * Stops accepting requests, lets in-flight completions finish for `graceMs`, then aborts them; resolves when
   * every record is written and every socket closed. A second call with `graceMs: 0` cuts the grace short.
   * @default graceMs 5000
   */
  close(opts?: { graceMs?: number }): Promise<void>;
}

/** A running gateway whose upstream model is known (`startGateway`). */
export interface GatewayHandle extends GatewayServer {
  upstreamModel: string;
}

/**
 * Starts a gateway once the upstream model is known (a configured model is taken on trust); rejects with
 * GatewayError when the upstream cannot list its models or the port is taken.
 */
export async function startGateway(options: GatewayOptions): Promise<GatewayHandle> {
  const upstream = upstreamParts(options, { verify: false });
  let upstreamModel: string;
  try {
    upstreamModel = await upstream.readiness.resolve(options.signal);
  } catch (err) {
    await upstream.client.destroy();
    throw err;
  }
  return { ...(await listenGateway(options, upstream)), upstreamModel };
}

/**
 * Starts a gateway that listens at once and asks the upstream for its model in the background with capped
 * backoff (a configured model must be listed too); client completions get a 503 until then. Resolves after
 * the first attempt; rejects only when the port is taken.
 */
export async function openGateway(options: GatewayOptions): Promise<GatewayServer> {
  const upstream = upstreamParts(options, { verify: true });
  const gw = await listenGateway(options, upstream);
  await upstream.readiness.watch();
  return gw;
}

interface UpstreamParts {
  client: Upstream;
  readiness: UpstreamReadiness;
  /** Set when the trainer answers over HTTP (the pull API). */
  trainer?: TrainerQueue;
}

/** The model name a trainer upstream is known by unless configured. */
export const DEFAULT_TRAINER_MODEL = 'trainer';

function upstreamParts(options: GatewayOptions, discovery: { verify: boolean }): UpstreamParts {
  const logger = options.logger ?? silentLogger;
  const timeoutMs = options.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
  if ((options.upstreamUrl === undefined) === (options.upstream === undefined)) {
    throw new ConfigError('the gateway needs exactly one upstream: upstreamUrl (a model server) or upstream (the trainer)', { path: 'upstreamUrl' });
  }
  if (options.upstream !== undefined) {
    const trainerTimeout = options.trainerTimeoutMs ?? timeoutMs;
    const trainer = options.upstream === 'trainer' ? new TrainerQueue(trainerTimeout) : undefined;
    const client: Upstream = trainer ?? new CallbackUpstream(options.upstream as TrainerHandler, trainerTimeout);
    const model = options.upstreamModel ?? DEFAULT_TRAINER_MODEL;
    const readiness = new UpstreamReadiness(async () => model, { logger, upstreamUrl: client.displayUrl });
    return { client, readiness, ...(trainer ? { trainer } : {}) };
  }
  registerSecret(options.upstreamApiKey);
  const client = new UpstreamClient(options.upstreamUrl!, options.upstreamApiKey, timeoutMs);
  const discover = (signal?: AbortSignal) => discoverUpstreamModel(client, options.upstreamModel, discovery, signal);
  const readiness = new UpstreamReadiness(discover, { logger, upstreamUrl: client.displayUrl });
  return { client, readiness };
}

async function listenGateway(options: GatewayOptions, { client: upstream, readiness, trainer }: UpstreamParts): Promise<GatewayServer> {
  const logger = options.logger ?? silentLogger;
  const adminToken = options.adminToken ?? randomToken('swebench-admin-');
  registerSecret(adminToken);
  const recordsDir = path.resolve(options.recordsDir ?? mkdtempSync(path.join(os.tmpdir(), 'swebench-gateway-')));
  const sessions = new SessionRegistry(recordsDir);
  const state: GatewayState = {
    sessions,
    adminToken,
    logger,
    closing: false,
    upstream: readiness,
    ...(trainer ? { trainer } : {}),
    deps: {
      upstream,
      ...(options.maxOutputTokens === undefined ? {} : { maxOutputTokens: options.maxOutputTokens }),
      captureTokens: options.captureTokens ?? false,
      ...(options.promptLogprobs === undefined ? {} : { promptLogprobs: options.promptLogprobs }),
      retry: { ...DEFAULT_RETRY, ...options.retry },
      sealer: createSealer(options.sealSecret),
      logger,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    },
  };
  const handler = createRequestHandler(state);
  const server = createServer({ keepAliveTimeout: 65_000 }, handler);
  const sessionSockets = new SessionSockets(handler, logger);
  const host = options.host ?? '127.0.0.1';
  try {
    await listen(server, host, options.port ?? 0);
  } catch (err) {
    await upstream.destroy();
    throw new GatewayError(`cannot listen on ${host}:${options.port ?? 0}: ${(err as Error).message}`, {
      hint: 'Pick another --port (0 picks a free one).',
      cause: err,
    });
  }
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  sessions.baseUrl = url;
  logger.debug(`gateway: listening on ${url}, upstream ${upstream.displayUrl}, records in ${recordsDir}`);

  const force = new AbortController();
  let closing: Promise<void> | undefined;
  const close = async (graceMs: number): Promise<void> => {
    state.closing = true;
    await readiness.stop();
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const all = () => Promise.all(sessions.all().map((s) => s.settled()));
    const grace = new AbortController();
    const cut = () => grace.abort();
    force.signal.addEventListener('abort', cut, { once: true });
    await Promise.race([all(), sleep(graceMs, undefined, { signal: grace.signal }).catch(() => undefined)]);
    grace.abort();
    force.signal.removeEventListener('abort', cut);
    await Promise.all(
      sessions.all().map((s) => s.abortInFlight({ status: 503, kind: 'overloaded', message: 'the gateway is shutting down' })),
    );
    await Promise.all(sessions.all().map((s) => s.closeRecords()));
    // let the final events of aborted completions reach their clients, then drop whatever is left
    server.closeIdleConnections();
    await Promise.race([stopped, sleep(500, undefined, { ref: false })]);
    server.closeAllConnections();
    await stopped;
    await sessionSockets.closeAll();
    await upstream.close().catch(() => upstream.destroy());
    logger.debug('gateway: closed');
  };

  return {
    url,
    adminToken,
    upstream: readiness,
    recordsDir,
    sessions,
    sessionSockets,
    close(opts = {}) {
      if (opts.graceMs === 0) force.abort();
      closing ??= close(opts.graceMs ?? DEFAULT_CLOSE_GRACE_MS);
      return closing;
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
