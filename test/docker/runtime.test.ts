// The Docker runtime against a real engine: container settings as the engine reports them, exec
// semantics (ordering, UTF-8, exit codes, stdin, timeout and abort killing the whole tree), file copy,
// removal, label-scoped cleanup, and the exact error when no engine answers (library and built CLI).
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CancelledError, DockerUnavailableError, ImageNotFoundError, SwebenchError } from '../../src/errors.js';
import { createDockerRuntime, LABELS, SandboxFileError, TIMEOUT_EXIT_CODE, type Sandbox, type SandboxSpec } from '../../src/runtime/index.js';
import { BASE_IMAGE, dockerAvailable } from '../helpers/docker.js';
import { assertBuilt } from '../helpers/built.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

const hasDocker = await dockerAvailable();
const runId = `rt-test-${randomBytes(4).toString('hex')}`;

// Processes named `sleep` still alive in the container (zombies excluded).
async function liveSleeps(sb: Sandbox): Promise<string> {
  const ps = await sb.exec(`ps -eo stat=,comm= | awk '$1 !~ /^Z/ && $2 == "sleep"'`);
  expect(ps.exitCode).toBe(0);
  return ps.output.trim();
}

describe.skipIf(!hasDocker)('docker runtime', () => {
  const rt = createDockerRuntime();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'swebench-rt-'));
  let sb: Sandbox;
  const make = (spec: Partial<SandboxSpec> = {}) =>
    rt.create({ image: BASE_IMAGE, ...spec, labels: { [LABELS.runId]: runId, ...spec.labels } });

  beforeAll(async () => {
    sb = await make();
  });
  afterAll(async () => {
    await rt.cleanup({ runId });
    rmSync(tmp, { recursive: true, force: true });
  });

  it('creates a running container with the requested settings, as the engine reports them', async () => {
    const ro = path.join(tmp, 'ro');
    const rw = path.join(tmp, 'rw');
    for (const d of [ro, rw]) mkdirSync(d);
    writeFileSync(path.join(ro, 'seen.txt'), 'from host\n');
    const box = await make({
      workdir: '/work/dir',
      env: { FOO: 'bar baz' },
      limits: { cpus: 0.5, memoryBytes: 256 * 1024 * 1024, pids: 128 },
      labels: { [LABELS.role]: 'agent', [LABELS.instanceId]: 'repo__x-1' },
      mounts: [
        { hostPath: ro, containerPath: '/mnt/ro' },
        { hostPath: rw, containerPath: '/mnt/rw', readOnly: false },
      ],
    });
    expect(box.name).toMatch(/^swebench-agent-[0-9a-f]{8}$/);
    const info = await rt.docker.getContainer(box.id).inspect();
    expect(info.State.Running).toBe(true);
    expect(info.Name).toBe(`/${box.name}`);
    expect(info.Config.Labels).toMatchObject({ [LABELS.managed]: '1', [LABELS.runId]: runId, [LABELS.instanceId]: 'repo__x-1' });
    expect(info.Config.User).toBe('root');
    expect(info.Config.WorkingDir).toBe('/work/dir');
    expect(info.Config.Env).toContain('FOO=bar baz');
    // no `network` asked: the default is none (a sealed container), never the host's network
    expect(info.HostConfig).toMatchObject({ NetworkMode: 'none', NanoCpus: 500_000_000, Memory: 268_435_456, PidsLimit: 128, Init: true });
    const mounts = Object.fromEntries(info.Mounts.map((m) => [m.Destination, m.RW]));
    expect(mounts).toEqual({ '/mnt/ro': false, '/mnt/rw': true });

    const r = await box.exec('pwd; echo "$FOO"; id -u; cat /mnt/ro/seen.txt');
    expect(r).toMatchObject({ exitCode: 0, timedOut: false, output: '/work/dir\nbar baz\n0\nfrom host\n' });
    const denied = await box.exec('touch /mnt/ro/x');
    expect(denied.exitCode).not.toBe(0);
    expect(denied.output).toMatch(/Read-only file system/);
    expect((await box.exec('echo written > /mnt/rw/out.txt')).exitCode).toBe(0);
    expect(readFileSync(path.join(rw, 'out.txt'), 'utf8')).toBe('written\n');
    await box.remove();
  });

  it('gives a container no network at all with network "none", and the host\'s only when asked', async () => {
    const box = await make({ network: 'none' });
    expect((await rt.docker.getContainer(box.id).inspect()).HostConfig.NetworkMode).toBe('none');
    expect((await box.exec('ls /sys/class/net')).output).toBe('lo\n');
    await box.remove();
    const host = await make({ network: 'host' });
    expect((await rt.docker.getContainer(host.id).inspect()).HostConfig.NetworkMode).toBe('host');
    await host.remove();
  });

  it('applies per-exec workdir, env and user, and passes an argv array verbatim', async () => {
    const r = await sb.exec('pwd; echo "$X"; id -un', { workdir: '/tmp', env: { X: 'one two' }, user: 'nobody' });
    expect(r.output).toBe('/tmp\none two\nnobody\n');
    const argv = await sb.exec(['printf', '%s|', 'a b', '$HOME', "it's", '']);
    expect(argv.output).toBe("a b|$HOME|it's||");
  });

  it('merges stdout and stderr in the order they were written, and streams it to onOutput', async () => {
    const chunks: string[] = [];
    const r = await sb.exec('echo a; echo b >&2; echo c', { onOutput: (c) => chunks.push(c) });
    expect(r.output).toBe('a\nb\nc\n');
    expect(chunks.join('')).toBe(r.output);
    const many = await sb.exec('for i in $(seq 1 300); do echo out$i; echo err$i >&2; done');
    const expected = Array.from({ length: 300 }, (_, i) => `out${i + 1}\nerr${i + 1}\n`).join('');
    expect(many.output).toBe(expected);
  });

  it('decodes a UTF-8 character split across two output chunks', async () => {
    const chunks: string[] = [];
    const r = await sb.exec(`printf '\\303'; sleep 0.3; printf '\\251t\\342\\202'; sleep 0.3; printf '\\254\\n'`, { onOutput: (c) => chunks.push(c) });
    expect(r.output).toBe('ét€\n');
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).not.toContain('\uFFFD');
  });

  it('reports the exit code of the command', async () => {
    expect((await sb.exec('exit 3')).exitCode).toBe(3);
    expect((await sb.exec(['false'])).exitCode).toBe(1);
    const missing = await sb.exec(['no-such-command-xyz']);
    expect(missing.exitCode).toBe(127);
    expect(missing.output).toMatch(/no-such-command-xyz/);
  });

  it('writes stdin to the process and then closes it', async () => {
    expect((await sb.exec('cat', { stdin: 'hello\nworld' })).output).toBe('hello\nworld');
    const big = randomBytes(300_000);
    const r = await sb.exec('sha256sum | cut -d" " -f1', { stdin: big });
    expect(r.output.trim()).toBe(createHash('sha256').update(big).digest('hex'));
  });

  it('on timeout kills the whole process tree and resolves with the output so far', async () => {
    const r = await sb.exec('echo started; sleep 1000 & sleep 1000; wait', { timeoutMs: 1000 });
    expect(r).toMatchObject({ timedOut: true, exitCode: TIMEOUT_EXIT_CODE, output: 'started\n' });
    expect(r.durationMs).toBeGreaterThanOrEqual(900);
    expect(await liveSleeps(sb)).toBe('');
  });

  it('escalates to SIGKILL for a tree that ignores SIGTERM', async () => {
    const r = await sb.exec(`trap '' TERM; (sleep 1001 &); sleep 1002 & echo up; wait`, { timeoutMs: 500 });
    expect(r).toMatchObject({ timedOut: true, output: 'up\n' });
    expect(await liveSleeps(sb)).toBe('');
  });

  it('still kills the tree (by parentage) in an image without setsid', async () => {
    const box = await make();
    expect((await box.exec('mv "$(command -v setsid)" /usr/local/setsid.off')).exitCode).toBe(0);
    expect((await box.exec('command -v setsid')).exitCode).toBe(1);
    const r = await box.exec('echo started; sleep 1000 & sleep 1000; wait', { timeoutMs: 800 });
    expect(r).toMatchObject({ timedOut: true, exitCode: TIMEOUT_EXIT_CODE, output: 'started\n' });
    expect(await liveSleeps(box)).toBe('');
    expect((await box.exec('exit 5')).exitCode).toBe(5);
    await box.remove();
  });

  it('on abort kills the tree and rejects with CancelledError', async () => {
    const ac = new AbortController();
    const seen: string[] = [];
    const run = sb.exec('echo running; sleep 1000 & sleep 1000; wait', {
      signal: ac.signal,
      onOutput: (c) => {
        seen.push(c);
        ac.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(seen.join('')).toBe('running\n');
    expect(await liveSleeps(sb)).toBe('');
    // An already-aborted signal runs nothing.
    await expect(sb.exec('touch /tmp/must-not-exist', { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(CancelledError);
    expect((await sb.exec('test -e /tmp/must-not-exist')).exitCode).toBe(1);
  });

  it('round-trips files through putFile/getFile, binary bytes, modes and new parent directories included', async () => {
    const bytes = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(70_000)]);
    await sb.putFile('/deep/new/dir/blob.bin', bytes, 0o755);
    expect((await sb.getFile('/deep/new/dir/blob.bin')).equals(bytes)).toBe(true);
    expect((await sb.exec('stat -c %a /deep/new/dir/blob.bin')).output).toBe('755\n');
    await sb.putFile('/tmp/text.txt', 'first');
    await sb.putFile('/tmp/text.txt', 'héllo\n');
    expect((await sb.exec('cat /tmp/text.txt; stat -c %a /tmp/text.txt')).output).toBe('héllo\n644\n');
    const longName = `/tmp/${'n'.repeat(150)}.txt`;
    await sb.putFile(longName, 'long');
    expect((await sb.exec(['cat', longName])).output).toBe('long');
    expect((await sb.getFile(longName)).toString()).toBe('long');
    await sb.exec('seq 1 50000 > /tmp/seq.txt; ln -sf /tmp/seq.txt /tmp/link');
    const expected = Array.from({ length: 50_000 }, (_, i) => `${i + 1}\n`).join('');
    expect((await sb.getFile('/tmp/link')).toString()).toBe(expected);
  });

  it('fails clearly when getFile is asked for a missing file or a directory', async () => {
    const missing = await sb.getFile('/nope/missing.txt').then(() => undefined, (e: unknown) => e);
    expect(missing).toBeInstanceOf(SandboxFileError);
    expect((missing as Error).message).toBe(`no such file in container ${sb.name}: /nope/missing.txt`);
    await expect(sb.getFile('/etc')).rejects.toThrow(/not a regular file in container .*: \/etc \(directory\)/);
  });

  it('running() follows the container: true once created, false after a kill from outside and after removal', async () => {
    const box = await make();
    expect(await box.running()).toBe(true);
    await rt.docker.getContainer(box.id).kill();
    expect(await box.running()).toBe(false);
    await box.remove();
    expect(await box.running()).toBe(false);
  });

  it('removes a container, twice without complaint, after which exec fails with a typed error', async () => {
    const box = await make();
    await box.remove();
    await box.remove();
    await expect(rt.docker.getContainer(box.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(box.exec('true')).rejects.toBeInstanceOf(SwebenchError);
  });

  it('fails with ImageNotFoundError for a missing image and leaves nothing behind on abort', async () => {
    await expect(make({ image: 'swebench-no-such-image:nope' })).rejects.toBeInstanceOf(ImageNotFoundError);
    const tag = `abort-${randomBytes(3).toString('hex')}`;
    await expect(rt.create({ image: BASE_IMAGE, labels: { [LABELS.runId]: tag } }, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(CancelledError);
    const ac = new AbortController();
    const pending = rt.create({ image: BASE_IMAGE, labels: { [LABELS.runId]: tag } }, { signal: ac.signal });
    setTimeout(() => ac.abort(), 5);
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    expect(await rt.docker.listContainers({ all: true, filters: { label: [`${LABELS.runId}=${tag}`] } })).toEqual([]);
  });

  it('cleanup by run id removes only that run, and the CLI prints what it removed', async () => {
    const a = `${runId}-a`;
    const b = `${runId}-b`;
    const inA = await Promise.all([0, 1].map(() => rt.create({ image: BASE_IMAGE, labels: { [LABELS.runId]: a } })));
    const inB = await rt.create({ image: BASE_IMAGE, labels: { [LABELS.runId]: b } });
    expect(await rt.cleanup({ runId: a })).toEqual(inA.map((s) => s.name).sort());
    expect((await rt.docker.getContainer(inB.id).inspect()).State.Running).toBe(true);
    expect((await sb.exec('true')).exitCode).toBe(0);

    const cli = await execa('node', [path.join(REPO_ROOT, 'bin/swebench'), 'cleanup', '--run-id', b, '--json'], { reject: false });
    expect(cli.stderr).toBe('');
    expect(cli.exitCode).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual({ removed: [inB.name] });
    const again = await execa('node', [path.join(REPO_ROOT, 'bin/swebench'), 'cleanup', '--run-id', b], { reject: false });
    expect(again).toMatchObject({ exitCode: 0, stdout: '', stderr: `no swebench containers of run ${b} to remove` });
  });
});

describe('no Docker engine reachable', () => {
  const SOCK = 'unix:///tmp/nonexistent.sock';
  const MESSAGE = `No Docker engine answered at ${SOCK} (ENOENT: socket not found)`;
  const HINT =
    'Start the Docker daemon (`sudo systemctl start docker`, or `sudo dockerd &`), or set DOCKER_HOST to a running engine (unix:///var/run/docker.sock, tcp://host:2375).';

  it('every runtime method fails with the same DockerUnavailableError', async () => {
    const rt = createDockerRuntime({ dockerHost: SOCK });
    const calls = [rt.ping(), rt.ensureImage(BASE_IMAGE), rt.create({ image: BASE_IMAGE }), rt.cleanup()];
    for (const call of calls) {
      const err = await call.then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(DockerUnavailableError);
      expect((err as DockerUnavailableError).message).toBe(MESSAGE);
      expect((err as DockerUnavailableError).hint).toBe(HINT);
      expect((err as DockerUnavailableError).exitCode).toBe(3);
    }
  });

  it('reads DOCKER_HOST, and names a refused TCP address', async () => {
    vi.stubEnv('DOCKER_HOST', SOCK);
    try {
      await expect(createDockerRuntime().ping()).rejects.toThrow(MESSAGE);
    } finally {
      vi.unstubAllEnvs();
    }
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    await expect(createDockerRuntime({ dockerHost: `tcp://127.0.0.1:${port}` }).cleanup()).rejects.toThrow(
      `No Docker engine answered at tcp://127.0.0.1:${port} (ECONNREFUSED: connection refused)`,
    );
  });

  it('the built CLI exits with code 3 and prints the error and hint on stderr', async () => {
    const bin = path.join(REPO_ROOT, 'bin/swebench');
    assertBuilt();
    const r = await execa('node', [bin, 'cleanup'], { env: { DOCKER_HOST: SOCK }, reject: false });
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: ${MESSAGE}\nhint: ${HINT}`);
  });
});
