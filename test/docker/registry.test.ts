// ensureImage against a real registry on 127.0.0.1 (Debian's docker-registry, started here): pulls a
// missing image with progress, reports a download fraction for a layer it must fetch, does nothing for
// an image already present, and turns an unknown image into ImageNotFoundError with the engine's words.
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImageRef, registryLookup } from '../../src/doctor/index.js';
import { CancelledError, ImageNotFoundError } from '../../src/errors.js';
import { createDockerRuntime, LABELS, type PullProgress } from '../../src/runtime/index.js';
import { BASE_IMAGE, dockerAvailable } from '../helpers/docker.js';
import { registryInstalled, startRegistry } from '../helpers/registry.mjs';

const enabled = (await dockerAvailable()) && registryInstalled();

describe.skipIf(!enabled)('ensureImage against a local registry', () => {
  const rt = createDockerRuntime();
  const suffix = randomBytes(3).toString('hex');
  let registry: { host: string; stop(): void } | undefined;
  let host = '';
  const pushed: string[] = [];

  const docker = (...args: string[]) => execa('docker', args);
  const present = async (image: string) => (await execa('docker', ['image', 'inspect', image], { reject: false })).exitCode === 0;

  beforeAll(async () => {
    registry = await startRegistry();
    host = registry.host;

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
    registry?.stop();
    for (const image of pushed) await execa('docker', ['rmi', image], { reject: false });
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
