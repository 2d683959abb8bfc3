// A minimal npm registry on 127.0.0.1 (packuments + tarballs built with the system tar), so the bundle installer
// runs the real `npm install` without leaving the machine.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface FakePackage {
  name: string;
  version: string;
  files: Record<string, { content: string; mode?: number }>;
  optionalDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
  scripts?: Record<string, string>;
}

export interface FakeRegistry {
  url: string;
  /** Tarball downloads per package name (counted when asked for). */
  downloads: Map<string, number>;
  /** Tarballs actually sent per package name (a slow one is sent late, or never when the client gave up). */
  served: Map<string, number>;
  /** Delay tarball answers of this package (to test cancellation). */
  slow: Set<string>;
  close(): Promise<void>;
}

export async function startFakeRegistry(dir: string, packages: FakePackage[]): Promise<FakeRegistry> {
  const tarballs = new Map<string, Buffer>();
  const packuments = new Map<string, { name: string; 'dist-tags': Record<string, string>; versions: Record<string, unknown> }>();
  const downloads = new Map<string, number>();
  const served = new Map<string, number>();
  const slow = new Set<string>();
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '/');
    const tar = /^\/-\/tarballs\/(.+\.tgz)$/.exec(url);
    if (tar) {
      const file = tar[1]!;
      const body = tarballs.get(file);
      if (!body) return void res.writeHead(404).end('{}');
      const name = file.replace(/-\d+\.\d+\.\d+\.tgz$/, '').replace(/^(@[^_]+)__/, '$1/');
      downloads.set(name, (downloads.get(name) ?? 0) + 1);
      const send = () => {
        served.set(name, (served.get(name) ?? 0) + 1);
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
      };
      if (slow.has(name)) setTimeout(send, 10_000).unref();
      else send();
      return;
    }
    const packument = packuments.get(url.slice(1));
    if (!packument) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(packument));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  for (const p of packages) {
    const src = path.join(dir, `${p.name.replace('/', '__')}-${p.version}`);
    const pkgDir = path.join(src, 'package');
    mkdirSync(pkgDir, { recursive: true });
    const manifest = { name: p.name, version: p.version, dependencies: p.dependencies, optionalDependencies: p.optionalDependencies, scripts: p.scripts };
    writeFileSync(path.join(pkgDir, 'package.json'), JSON.stringify(manifest));
    for (const [rel, f] of Object.entries(p.files)) {
      mkdirSync(path.dirname(path.join(pkgDir, rel)), { recursive: true });
      writeFileSync(path.join(pkgDir, rel), f.content);
      chmodSync(path.join(pkgDir, rel), f.mode ?? 0o644);
    }
    const file = `${p.name.replace('/', '__')}-${p.version}.tgz`;
    execFileSync('tar', ['-czf', path.join(src, file), '-C', src, 'package']);
    const body = readFileSync(path.join(src, file));
    tarballs.set(file, body);
    const entry = packuments.get(p.name) ?? { name: p.name, 'dist-tags': {}, versions: {} };
    entry.versions[p.version] = {
      ...manifest,
      dist: {
        tarball: `${base}/-/tarballs/${file}`,
        shasum: createHash('sha1').update(body).digest('hex'),
        integrity: `sha512-${createHash('sha512').update(body).digest('base64')}`,
      },
    };
    entry['dist-tags'].latest = p.version;
    packuments.set(p.name, entry);
  }
  return {
    url: `${base}/`,
    downloads,
    served,
    slow,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
