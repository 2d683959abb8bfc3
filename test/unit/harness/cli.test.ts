// `swebench harness install|list` through the built CLI (bin/swebench → dist), with the real opencode BundleSpec
// installed by the real npm from a registry on 127.0.0.1 serving stand-ins of opencode-ai and the rg package.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../../helpers/built.js';
import { REPO_ROOT } from '../../helpers/shared-data.js';
import { startFakeRegistry, type FakeRegistry } from './fake-registry.js';

const BIN = path.join(REPO_ROOT, 'bin/swebench');
// The stand-in packages are published for the host's arch, as the opencode preset looks them up (anything but arm64 is x64).
const ARCH = process.arch === 'arm64' ? 'arm64' : 'x64';

describe('swebench harness (built CLI, npm against a registry on 127.0.0.1)', () => {
  let tmp: string;
  let registry: FakeRegistry;
  let env: Record<string, string>;
  const run = (...args: string[]) => execa('node', [BIN, 'harness', ...args], { env, reject: false });

  beforeAll(async () => {
    assertBuilt();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'swebench-harness-cli-'));
    const opencodeAi = (version: string) => ({
      name: 'opencode-ai',
      version,
      files: { 'bin/opencode.exe': { content: 'placeholder' } },
      optionalDependencies: { [`opencode-linux-${ARCH}`]: version },
    });
    const platform = (version: string) => ({
      name: `opencode-linux-${ARCH}`,
      version,
      files: { 'bin/opencode': { content: `#!/bin/sh\necho "opencode ${version} $*"\n`, mode: 0o755 } },
    });
    registry = await startFakeRegistry(path.join(tmp, 'registry'), [
      opencodeAi('1.18.33'),
      opencodeAi('1.18.34'),
      platform('1.18.33'),
      platform('1.18.34'),
      {
        name: '@qwen-code/qwen-code',
        version: '0.24.4',
        files: { [`vendor/ripgrep/${ARCH}-linux/rg`]: { content: '#!/bin/sh\necho ripgrep\n' }, 'vendor/ripgrep/COPYING': { content: 'MIT' } },
      },
    ]);
    env = { SWEBENCH_CACHE_DIR: path.join(tmp, 'cache'), npm_config_registry: registry.url, npm_config_cache: path.join(tmp, 'npm-cache') };
  });

  afterAll(async () => {
    await registry?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('list shows every preset with version, protocol and install state (table and --json)', async () => {
    const json = await run('list', '--json');
    expect(json.exitCode, json.stderr).toBe(0);
    const rows = JSON.parse(json.stdout) as Array<{ harness: string; state: string; protocol: string; version: string }>;
    expect(rows.map((r) => [r.harness, r.state])).toEqual(
      expect.arrayContaining([['opencode', 'missing'], ['codex', 'missing'], ['noop', 'built-in']]),
    );
    expect(rows.find((r) => r.harness === 'codex')).toMatchObject({ protocol: 'openai_responses', version: '0.169.0' });
    const table = await run('list');
    expect(table.stdout.split('\n')[0]).toMatch(/^HARNESS\s+PACKAGE\s+VERSION\s+PROTOCOL\s+INSTALLED$/);
    expect(table.stdout).toMatch(/noop\s+none\s+0\.0\.0\s+openai_chat\s+built-in \(no bundle\)/);
  });

  it('install cuts the opencode bundle (binary + rg), prints its directory, and is a no-op the second time', async () => {
    const first = await run('install', 'opencode');
    expect(first.exitCode, first.stderr).toBe(0);
    const dir = first.stdout.trim();
    expect(dir).toBe(path.join(tmp, 'cache/harness/opencode/1.18.33/bundle'));
    expect(first.stderr).toContain('installing opencode-ai@1.18.33 for harness opencode');
    expect(execFileSync(path.join(dir, 'bin/opencode'), ['--version']).toString()).toBe('opencode 1.18.33 --version\n');
    expect(execFileSync(path.join(dir, 'bin/rg')).toString()).toBe('ripgrep\n');

    const again = await run('install', 'opencode', '--json');
    expect(again.exitCode).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ harness: 'opencode', version: '1.18.33', dir });
    expect(again.stderr).toContain('already installed');
  });

  it('--version installs another version beside the pinned one; list reports both', async () => {
    const r = await run('install', 'opencode', '--version', '1.18.34');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(execFileSync(path.join(r.stdout.trim(), 'bin/opencode')).toString()).toBe('opencode 1.18.34 \n');
    const rows = JSON.parse((await run('list', '--json')).stdout) as Array<{ harness: string; state: string; installed_versions: string[] }>;
    expect(rows.find((x) => x.harness === 'opencode')).toMatchObject({ state: 'installed', installed_versions: ['1.18.33', '1.18.34'] });
  });

  it('bad input exits 2 with a hint: unknown harness, tag instead of version, unpublished version', async () => {
    const unknown = await run('install', 'claude-cod');
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('unknown harness "claude-cod"');
    expect(unknown.stderr).toMatch(/hint: Valid harnesses: opencode, codex/);
    const tag = await run('install', 'codex', '--version', 'latest');
    expect(tag.exitCode).toBe(2);
    expect(tag.stderr).toContain('"latest" is not an exact version of @openai/codex');
    const missing = await run('install', 'opencode', '--version', '9.9.9');
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('npm has no opencode-ai@9.9.9');
    expect(missing.stderr).toContain('npm view opencode-ai versions');
  });
});
