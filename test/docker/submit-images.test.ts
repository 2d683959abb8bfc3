// The run's images from a registry on 127.0.0.1 (none of them local at the start): `--image-registry` points every
// task at the mirror, images are pulled ahead of the sessions, `--images remove --max-image-disk` keeps what the run
// pulled under the budget (sampled while it runs) and removes each image after its last session, images that were
// present before the run are untouched, and an image the registry does not have fails only its sessions.
import { writeFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registryInstalled, startRegistry } from '../helpers/registry.mjs';
import { readJson, readSesFiles, runContainers, submit } from './submit-helpers.js';

const fixturesDir = inject('fixturesDir');
const enabled = !!fixturesDir && registryInstalled();

interface Row {
  instance_id: string;
  image?: string;
}

describe.skipIf(!enabled)('submit with images only in a local registry', () => {
  let registry: { host: string; stop(): void };
  let out = '';
  let tasks: Row[] = [];
  const mirrored: string[] = [];

  const docker = (...args: string[]) => execa('docker', args);
  const localImages = async (prefix: string) =>
    (await docker('images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}')).stdout.split('\n').filter((l) => l.startsWith(prefix));
  const sizeOf = async (image: string) => Number((await docker('image', 'inspect', '--format', '{{.Size}}', image)).stdout.trim());

  beforeAll(async () => {
    registry = await startRegistry();
    out = mkdtempSync(path.join(os.tmpdir(), 'swebench-submit-images-'));
    tasks = readFileSync(path.join(fixturesDir!, 'tasks.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);
    // every fixture image, pushed to the registry under the mirror prefix and then untagged locally (its original
    // tag stays: that is an image "present before the run" which must survive it)
    for (const t of tasks) {
      const mirror = `${registry.host}/${t.image}`;
      await docker('tag', t.image!, mirror);
      await docker('push', mirror);
      await docker('rmi', mirror);
      mirrored.push(mirror);
    }
  }, 600_000);
  afterAll(async () => {
    for (const m of mirrored) await execa('docker', ['rmi', m], { reject: false });
    registry?.stop();
    rmSync(out, { recursive: true, force: true });
  });

  it('--image-registry, --images remove --max-image-disk: all resolved, never over budget, nothing of the run left, the rest untouched', async () => {
    const prefix = `${registry.host}/`;
    expect(await localImages(prefix)).toEqual([]);
    const before = (await docker('images', '-q', '--no-trunc')).stdout.split('\n').sort();
    const budgetGb = 0.6;
    const oneImage = await sizeOf(tasks[0]!.image!);
    expect(oneImage * 2).toBeLessThan(budgetGb * 1e9); // two fit, three do not: the budget binds
    expect(oneImage * 3).toBeGreaterThan(budgetGb * 1e9);

    let peak = 0;
    let samples = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const held = await localImages(prefix);
        let bytes = 0;
        for (const line of held) bytes += await sizeOf(line.split(' ')[0]!).catch(() => 0);
        peak = Math.max(peak, bytes);
        samples++;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const r = await submit([
      '--harness', 'codex', '--model', 'oracle', '--dataset', path.join(fixturesDir!, 'tasks.jsonl'),
      '--image-registry', prefix, '--images', 'remove', '--max-image-disk', String(budgetGb), '--prefetch', '4', '--pull-concurrency', '2',
      '--concurrency', '2', '--output-dir', out, '--run-id', 'mirror', '--timeout', '300', '--json',
    ]);
    sampling = false;
    await sampler;
    expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
    const summary = JSON.parse(r.stdout) as { images: { total: number; presentBefore: number; pulled: number; removed: number; failed: number; peakHeldBytes: number; waitMs: number } };
    const sessions = readSesFiles(path.join(out, 'mirror'));
    expect(sessions).toHaveLength(tasks.length);
    for (const s of sessions) expect(s.resolved, `${s.instance_id}: ${s.status} ${s.error}`).toBe(true);
    expect(sessions.every((s) => s.image.startsWith(prefix))).toBe(true);
    expect(summary.images).toMatchObject({ total: tasks.length, presentBefore: 0, pulled: tasks.length, removed: tasks.length, failed: 0 });
    expect(summary.images.peakHeldBytes).toBeLessThanOrEqual(budgetGb * 1e9);
    expect(samples).toBeGreaterThan(10);
    expect(peak, `sampled peak ${peak} bytes`).toBeLessThanOrEqual(budgetGb * 1e9);
    expect(await localImages(prefix)).toEqual([]);
    const after = (await docker('images', '-q', '--no-trunc')).stdout.split('\n').sort();
    expect(after).toEqual(before);
    expect(await runContainers('mirror')).toEqual([]);
    process.stdout.write(`images: ${JSON.stringify(summary.images)}; sampled peak ${(peak / 1e9).toFixed(2)} GB over ${samples} samples (budget ${budgetGb} GB)\n`);
  });

  it('a transient registry error (503s for a moment) is retried and the session resolves', async () => {
    // a proxy on 127.0.0.1 in front of the registry that answers every manifest request of an image with 503 for
    // 800 ms after the first one: longer than the engine's own quick second try (HEAD, then GET), shorter than our
    // first retry's 1 s pause
    const firstSeen = new Map<string, number>();
    const proxy = http.createServer((req, res) => {
      const manifest = /^\/v2\/.+\/manifests\//.test(req.url ?? '');
      if (manifest && !firstSeen.has(req.url!)) firstSeen.set(req.url!, Date.now());
      if (manifest && Date.now() - firstSeen.get(req.url!)! < 800) {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAVAILABLE","message":"service unavailable"}]}');
        return;
      }
      const [host, port] = registry.host.split(':');
      const up = http.request({ host, port: Number(port), path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const viaProxy = `127.0.0.1:${(proxy.address() as AddressInfo).port}/`;
    try {
      const r = await submit([
        '--harness', 'codex', '--model', 'oracle', '--dataset', path.join(fixturesDir!, 'tasks.jsonl'), '--instance-ids', tasks[0]!.instance_id,
        '--image-registry', viaProxy, '--images', 'remove', '--output-dir', out, '--run-id', 'flaky', '--timeout', '300', '--json',
      ]);
      expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
      const [ses] = readSesFiles(path.join(out, 'flaky'));
      expect(ses!.resolved, `${ses!.status} ${ses!.error}`).toBe(true);
      expect(r.stderr).toMatch(new RegExp(`pull of ${viaProxy}${tasks[0]!.image}.* failed \\(.*503.*\\); retry 1 of 3 in 1 s`));
      expect((JSON.parse(r.stdout) as { images: { pulled: number; failed: number } }).images).toMatchObject({ pulled: 1, failed: 0 });
      expect(await localImages(viaProxy)).toEqual([]);
    } finally {
      proxy.close();
    }
  });

  it('an image the registry does not have fails its sessions as infra_error, not the run', async () => {
    const dataset = path.join(out, 'one-missing.jsonl');
    const rows = readFileSync(path.join(fixturesDir!, 'tasks.jsonl'), 'utf8').trim().split('\n').slice(0, 2).map((l) => JSON.parse(l) as Record<string, unknown>);
    rows[1]!.image = 'swebench-fixture/never-pushed:v1';
    writeFileSync(dataset, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const r = await submit([
      '--harness', 'codex', '--model', 'oracle', '--dataset', dataset, '--image-registry', `${registry.host}/`, '--images', 'remove',
      '--concurrency', '2', '--output-dir', out, '--run-id', 'missing', '--timeout', '300', '--json',
    ]);
    expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
    const sessions = readSesFiles(path.join(out, 'missing'));
    const bad = sessions.find((s) => s.instance_id === rows[1]!.instance_id)!;
    const good = sessions.find((s) => s.instance_id === rows[0]!.instance_id)!;
    expect(good.resolved).toBe(true);
    expect(bad).toMatchObject({ status: 'ERROR', error_class: 'infra_error', failed_phase: 'container_start' });
    expect(bad.error).toContain(`Docker image ${registry.host}/swebench-fixture/never-pushed:v1 is not available locally and could not be pulled`);
    expect(readJson(path.join(out, 'missing', 'report.json')).groups[0].infra_errors).toBe(1);
  });
});
