// `swebench view`'s server: the run directory over HTTP on 127.0.0.1 (read-only, GET only, nothing outside the
// directory), with the viewer site generated into <run-dir>/viewer/. While the run is in progress (run.json has no
// finished_at) the site is regenerated at most every few seconds on page loads and the pages refresh themselves.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { ConfigError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { writeSite } from './site.js';

/** The site's directory inside the run directory. */
export const VIEWER_DIR = 'viewer';
/** Seconds between refreshes of a run still in progress. */
const LIVE_REFRESH_S = 5;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.json': 'application/json; charset=utf-8', '.jsonl': 'text/plain; charset=utf-8',
  '.diff': 'text/plain; charset=utf-8', '.log': 'text/plain; charset=utf-8', '.txt': 'text/plain; charset=utf-8', '.sh': 'text/plain; charset=utf-8',
};

export interface ViewerServer {
  url: string;
  close(): Promise<void>;
}

/** Generates the site, then serves the run directory on 127.0.0.1:`port` (0 = any free port). */
export async function serveViewer(runDir: string, opts: { port: number; logger: Logger; signal?: AbortSignal }): Promise<ViewerServer> {
  const root = path.resolve(runDir);
  const siteDir = path.join(root, VIEWER_DIR);
  let live = await inProgress(root);
  await writeSite(root, siteDir, { signal: opts.signal, refreshSeconds: live ? LIVE_REFRESH_S : undefined });
  let builtAt = Date.now();
  let building: Promise<unknown> | null = null;

  const refresh = async () => {
    if (!live || Date.now() - builtAt < LIVE_REFRESH_S * 1000) return;
    building ??= (async () => {
      live = await inProgress(root);
      await writeSite(root, siteDir, { refreshSeconds: live ? LIVE_REFRESH_S : undefined });
      builtAt = Date.now();
    })()
      .catch((err: unknown) => opts.logger.warn(`viewer: regenerating the site failed: ${(err as Error).message}`))
      .finally(() => { building = null; });
    await building;
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'GET only');
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      let rel = decodeURIComponent(url.pathname);
      if (rel === '/') return res.writeHead(302, { location: `/${VIEWER_DIR}/index.html` }).end();
      const file = path.resolve(root, `.${rel}`);
      if (file !== root && !file.startsWith(root + path.sep)) return send(res, 403, 'outside the run directory');
      if (file.endsWith('.html')) await refresh();
      const st = await stat(file).catch(() => null);
      if (!st?.isFile()) return send(res, 404, 'not found');
      rel = path.extname(file);
      res.writeHead(200, { 'content-type': TYPES[rel] ?? 'application/octet-stream', 'content-length': st.size, 'cache-control': 'no-cache' });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).pipe(res);
    })().catch((err: unknown) => send(res, 500, (err as Error).message));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new ConfigError(`port ${opts.port} on 127.0.0.1 is in use`, { source: '--port', hint: 'Pick another port, or --port 0 for a free one.' }) : err));
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  return {
    url: `http://127.0.0.1:${port}/${VIEWER_DIR}/index.html`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function send(res: import('node:http').ServerResponse, status: number, text: string): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${text}\n`);
}

async function inProgress(root: string): Promise<boolean> {
  const text = await readFile(path.join(root, 'run.json'), 'utf8').catch(() => null);
  if (text === null) return false;
  try {
    const m = JSON.parse(text) as { finished_at?: unknown };
    return !m.finished_at;
  } catch {
    return false;
  }
}
