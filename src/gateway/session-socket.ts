// Per-session Unix-socket listeners (DESIGN.md decision 10): a sealed agent container has no network, only a
// bind mount of one directory holding its session's socket. The socket is served by the gateway's own request
// handler, but only for that session's `/s/<session>/…` paths, so neither another session's URL (even with a
// leaked token) nor the admin API, /healthz or anything else of the gateway is reachable through it.
//
// <tmpdir>/swebench-gw-<rand>/        0700, one per gateway
//   <rand>/                           0700, one per session: what the container mounts
//     gateway.sock                    the listener
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GatewayError } from '../errors.js';
import type { Logger } from '../logger.js';
import { sendJson } from './http-io.js';

/** File name of the socket inside its session directory. */
export const SESSION_SOCKET_NAME = 'gateway.sock';

/** Longest Unix socket path Linux accepts (sun_path is 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;

/** A session's listener: mount `dir`, connect to `<dir>/gateway.sock`. */
export interface SessionSocket {
  sessionId: string;
  /** Host directory holding only this session's socket. */
  dir: string;
  /** Host path of the socket. */
  path: string;
}

/** The session id a request path names (`/s/<id>/…`, parsed as the router parses it), or undefined. */
export function sessionOfPath(url: string): string | undefined {
  const q = url.indexOf('?');
  const pathname = (q < 0 ? url : url.slice(0, q)).replace(/\/{2,}/g, '/');
  const m = /^\/s\/([^/]+)\//.exec(pathname);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1]!;
  }
}

/** Opens and closes the per-session listeners of one gateway. */
export class SessionSockets {
  private root: Promise<string> | undefined;
  private readonly open = new Map<string, { socket: SessionSocket; server: Server }>();

  constructor(
    private readonly handler: (req: IncomingMessage, res: ServerResponse) => void,
    private readonly logger: Logger,
  ) {}

  /** Starts listening for `sessionId` (the session itself may be created later); one listener per session. */
  async listen(sessionId: string): Promise<SessionSocket> {
    if (this.open.has(sessionId)) throw new GatewayError(`session ${sessionId} already has a socket`);
    this.root ??= mkdtemp(path.join(os.tmpdir(), 'swebench-gw-'));
    const dir = await mkdtemp(path.join(await this.root, 's'));
    const file = path.join(dir, SESSION_SOCKET_NAME);
    if (Buffer.byteLength(file) > MAX_SOCKET_PATH) {
      await rm(dir, { recursive: true, force: true });
      throw new GatewayError(`socket path too long for Linux (${Buffer.byteLength(file)} > ${MAX_SOCKET_PATH} bytes): ${file}`, {
        hint: 'Point TMPDIR at a shorter directory, e.g. TMPDIR=/tmp.',
      });
    }
    const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
      if (sessionOfPath(req.url ?? '/') === sessionId) return this.handler(req, res);
      sendJson(res, 403, { error: { type: 'permission_error', message: `this socket serves session ${sessionId} only` } });
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(file, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw new GatewayError(`cannot listen on ${file}: ${(err as Error).message}`, { cause: err });
    }
    const socket = { sessionId, dir, path: file };
    this.open.set(sessionId, { socket, server });
    this.logger.debug(`gateway: session ${sessionId} listening on ${file}`);
    return socket;
  }

  /** Stops the session's listener, drops its connections and removes its directory; a no-op when there is none. */
  async close(sessionId: string): Promise<void> {
    const entry = this.open.get(sessionId);
    if (!entry) return;
    this.open.delete(sessionId);
    const closed = new Promise<void>((resolve) => entry.server.close(() => resolve()));
    entry.server.closeAllConnections();
    await closed;
    await rm(entry.socket.dir, { recursive: true, force: true });
  }

  /** Closes every listener and removes the gateway's socket directory. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.open.keys()].map((id) => this.close(id)));
    const root = this.root;
    this.root = undefined;
    if (root) await rm(await root.catch(() => ''), { recursive: true, force: true }).catch(() => {});
  }
}
