// ensureImage against a real registry on 127.0.0.1 (Debian's docker-registry, started here): pulls a
// missing image with progress, reports a download fraction for a layer it must fetch, does nothing for
// an image already present, and turns an unknown image into ImageNotFoundError with the engine's words.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImageRef, registryLookup } from '../../src/doctor/index.js';
import { CancelledError, ImageNotFoundError } from '../../src/errors.js';
import { createDockerRuntime, LABELS, type PullProgress } from '../../src/runtime/index.js';
import { BASE_IMAGE, dockerAvailable } from '../helpers/docker.js';

const REGISTRY_BIN = '/usr/bin/docker-registry';

function registryInstalled(): boolean {
  if (existsSync(REGISTRY_BIN)) return true;
  const msg = `${REGISTRY_BIN} not found (apt-get install docker-registry): registry tests are SKIPPED`;
  if (process.env.SWEBENCH_REQUIRE_DOCKER === '1') throw new Error(`${msg} (SWEBENCH_REQUIRE_DOCKER=1)`);
  console.warn(`\n!!! ${msg}\n`);
  return false;
}

const enabled = (await dockerAvailable()) && registryInstalled();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().on('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForRegistry(url: string, child: ChildProcess, logFile: string): Promise<void> {
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

describe.skipIf(!enabled)('ensureImage against a local registry', () => {
  const rt = createDockerRuntime();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'swebench-registry-'));
  const logFile = path.join(dir, 'registry.log');
  const suffix = randomBytes(3).toString('hex');
  let registry: ChildProcess | undefined;
  let host = '';
  const pushed: string[] = [];

  const docker = (...args: string[]) => execa('docker', args);
  const present = async (image: string) => (await execa('docker', ['image', 'inspect', image], { reject: false })).exitCode === 0;

  beforeAll(async () => {
    const port = await freePort();
    host = `127.0.0.1:${port}`;
    writeFileSync(
      path.join(dir, 'config.yml'),
      ['version: 0.1', 'log:', '  level: warn', 'storage:', '  filesystem:', `    rootdirectory: ${path.join(dir, 'data')}`, 'http:', `  addr: ${host}`, ''].join('\n'),
    );
    const out = openSync(logFile, 'a');
    registry = spawn(REGISTRY_BIN, ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', out, out] });
    await waitForRegistry(`http://${host}/v2/`, registry, logFile);

    // The base image, as the brief's smoke case: its layer stays on the host (the base tag keeps it).
    const base = `${host}/swebench/base:test`;
    await docker('tag', BASE_IMAGE, base);
    await docker('push', base);
    await docker('rmi', base);
    // An image with a layer of its own, so that the pull has bytes to download.
    const blob = `${host}/swebench/blob:${suffix}`;
    const maker = `swebench-registry-blob-${suffix}`;
    await docker('run', '--name', maker, '--label', `${LABELS.managed}=1`, BASE_IMAGE, 'sh', '-c', 'head -c 8000000 /dev/urandom > /blob');
    await docker('commit', maker, blob);
    await docker('rm', maker);
    await docker('push', blob);
    await docker('rmi', blob);
    pushed.push(base, blob);
  });

  afterAll(async () => {
    registry?.kill('SIGTERM');
    for (const image of pushed) await execa('docker', ['rmi', image], { reject: false });
    rmSync(dir, { recursive: true, force: true });
  });

  it('pulls a missing image, reporting progress, and the image runs', async () => {
    const image = `${host}/swebench/base:test`;
    expect(await present(image)).toBe(false);
    const events: PullProgress[] = [];
    await rt.ensureImage(image, { onProgress: (p) => events.push(p) });
    expect(await present(image)).toBe(true);
    expect(events.length).toBeGreaterThan(1);
    expect(events.every((e) => e.image === image)).toBe(true);
    expect(events.map((e) => e.status)).toContain(`Status: Downloaded newer image for ${image}`);
    expect(events.at(-1)).toEqual({ image, status: 'done', fraction: 1 });
    const box = await rt.create({ image, labels: { [LABELS.runId]: `registry-${suffix}` } });
    expect((await box.exec('echo pulled')).output).toBe('pulled\n');
    await box.remove();
  });

  it('reports a growing download fraction for a layer it has to fetch', async () => {
    const image = `${host}/swebench/blob:${suffix}`;
    const events: PullProgress[] = [];
    await rt.ensureImage(image, { onProgress: (p) => events.push(p) });
    expect(await present(image)).toBe(true);
    const fractions = events.map((e) => e.fraction).filter((f): f is number => f !== undefined);
    expect(events.some((e) => /: Downloading$/.test(e.status))).toBe(true);
    expect(fractions.some((f) => f > 0 && f < 1)).toBe(true);
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]!)).toBe(true);
    expect(fractions.at(-1)).toBe(1);
  });

  it('does nothing for an image that is already present', async () => {
    const events: PullProgress[] = [];
    await rt.ensureImage(BASE_IMAGE, { onProgress: (p) => events.push(p) });
    expect(events).toEqual([]);
  });

  it('fails with ImageNotFoundError carrying the engine message for an unknown image', async () => {
    const image = `${host}/swebench/missing:nope`;
    const err = await rt.ensureImage(image).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ImageNotFoundError);
    expect((err as ImageNotFoundError).image).toBe(image);
    expect((err as Error).message).toMatch(new RegExp(`^Docker image ${image} is not available locally and could not be pulled: .*(manifest unknown|not found)`));
    expect((err as ImageNotFoundError).exitCode).toBe(3);
  });

  it('doctor asks the registry for a manifest, without pulling: found with its size, or not found', async () => {
    const blob = `${host}/swebench/blob:${suffix}`;
    await execa('docker', ['rmi', blob], { reject: false });
    const found = await registryLookup(blob);
    expect(found.found).toBe(true);
    expect(found.bytes).toBeGreaterThan(8_000_000);
    expect(await present(blob)).toBe(false);
    expect(await registryLookup(`${host}/swebench/missing:nope`)).toEqual({ found: false });
    expect(parseImageRef('swebench/sweb.eval.x86_64.django_1776_django-11099:latest')).toEqual({
      registry: 'registry-1.docker.io', repository: 'swebench/sweb.eval.x86_64.django_1776_django-11099', reference: 'latest',
    });
    expect(parseImageRef(`${host}/a/b:v1`)).toEqual({ registry: host, repository: 'a/b', reference: 'v1' });
  });

  it('does not pull when the signal is already aborted', async () => {
    const image = `${host}/swebench/base:never-pulled`;
    await expect(rt.ensureImage(image, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(CancelledError);
  });
});
