// The container side of the sealed agent network (DESIGN.md decision 10). A sealed container runs with
// `--network none` (its own loopback, nothing else); the gateway serves the session on a Unix socket whose
// directory is bind-mounted in, and a forwarder inside the container turns 127.0.0.1:<port> into that socket,
// so the harness keeps its plain http://127.0.0.1:<port>/s/<session>/v1 base URL. Every container gets the same
// small runtime directory (a node binary and the forwarder), whatever its harness bundle has.
//
// <cacheDir()>/net/<node version>-<hash>/     mounted read-only at /opt/swebench/net
//   bin/node                                  the host's node (copyNodeBinary)
//   forward.mjs                               FORWARDER_SOURCE
//   .complete                                 written last; the directory appears by rename
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cacheDir } from '../config/paths.js';
import { FORWARDER_SOURCE } from './forwarder-source.js';
import { copyNodeBinary } from './node-binary.js';
import type { Sandbox } from './types.js';

/** Where the runtime directory is mounted in every sealed container. */
export const NET_MOUNT = '/opt/swebench/net';
/** Where the session's socket directory is mounted; the socket is `<this>/<socket name>`. */
export const GATEWAY_SOCKET_MOUNT = '/opt/swebench/gw';
/** The forwarder's own log inside the container (connection errors only). */
export const FORWARDER_LOG = '/tmp/.swebench-forwarder.log';
/** How long starting the forwarder (spawn, listen, one request through the socket) may take. */
const START_TIMEOUT_MS = 30_000;

const building = new Map<string, Promise<string>>();

/** The default root of runtime directories. */
export function netRuntimeRoot(): string {
  return path.join(cacheDir(), 'net');
}

/** Returns the runtime directory for this node and forwarder, building it once (concurrent calls share it). */
export function ensureNetRuntime(root = netRuntimeRoot()): Promise<string> {
  const hash = createHash('sha256').update(`${process.version}\0${process.execPath}\0${FORWARDER_SOURCE}`).digest('hex').slice(0, 12);
  const dir = path.join(root, `${process.version}-${hash}`);
  if (existsSync(path.join(dir, '.complete'))) return Promise.resolve(dir);
  let pending = building.get(dir);
  if (!pending) {
    pending = build(dir).finally(() => building.delete(dir));
    building.set(dir, pending);
  }
  return pending;
}

async function build(dir: string): Promise<string> {
  const tmp = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    await mkdir(tmp, { recursive: true });
    await copyNodeBinary(path.join(tmp, 'bin'));
    await writeFile(path.join(tmp, 'forward.mjs'), FORWARDER_SOURCE, { mode: 0o644 });
    await writeFile(path.join(tmp, '.complete'), JSON.stringify({ node: process.version, built_at: new Date().toISOString() }) + '\n');
    try {
      await rename(tmp, dir);
    } catch (err) {
      if (!existsSync(path.join(dir, '.complete'))) throw err; // another process finished first otherwise
    }
    return dir;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Starts the forwarder in the container (detached, so it outlives this exec and dies with the container) and
 * returns once an HTTP request to `probePath` through it reached the gateway. Throws with its output otherwise.
 */
export async function startForwarder(
  sandbox: Sandbox,
  opts: { port: number; socketName: string; probePath: string; signal?: AbortSignal },
): Promise<void> {
  const socket = `${GATEWAY_SOCKET_MOUNT}/${opts.socketName}`;
  const r = await sandbox.exec(
    [`${NET_MOUNT}/bin/node`, `${NET_MOUNT}/forward.mjs`, 'start', String(opts.port), socket, opts.probePath, FORWARDER_LOG],
    { user: 'root', timeoutMs: START_TIMEOUT_MS, ...(opts.signal ? { signal: opts.signal } : {}) },
  );
  if (r.exitCode !== 0) {
    throw new Error(`the sealed network's forwarder did not start in ${sandbox.name} (exit ${r.exitCode}): ${r.output.trim().slice(-2000)}`);
  }
}
