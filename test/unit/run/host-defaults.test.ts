// Defaults that fit the machine: the rule on a table of hosts, explicit values kept, the line and the warning
// `submit` logs, and that the derived values are resolved once and read back unchanged on --resume.
import { describe, expect, it } from 'vitest';
import { hostDefaults, memoryWarning, resourcesLine, type HostResources } from '../../../src/config/host-defaults.js';
import { resolveSubmitConfig, validateStoredLayer } from '../../../src/config/load.js';
import { SUBMIT_DEFAULTS } from '../../../src/config/submit-schema.js';
import { checkResumable, configHash, redactConfig, type RunManifest } from '../../../src/run/manifest.js';

const GiB = 1024 ** 3;
const host = (cores: number, gib: number): HostResources => ({ cores, memBytes: gib * GiB });

describe('hostDefaults', () => {
  it.each([
    // cores, GiB → concurrency, --cpus, --memory
    [2, 24, 1, 2, '18g'],
    [2, 23.5, 1, 2, '17g'],
    [8, 32, 4, 2, '6g'],
    [16, 16, 4, 4, '3g'], // memory bound
    [64, 256, 24, 2, '8g'], // capped at 24
    [1, 2, 1, 1, '2g'], // at least one session, at least 2g
  ])('%i cores, %d GiB → concurrency %i, --cpus %i --memory %s', (cores, gib, concurrency, cpus, memory) => {
    expect(hostDefaults(host(cores, gib), {})).toEqual({ concurrency, cpus, memory });
  });

  it('keeps every explicit value; unset limits follow the concurrency, explicit or derived', () => {
    expect(hostDefaults(host(2, 24), { concurrency: 8 })).toEqual({ concurrency: 8, cpus: 1, memory: '2g' });
    expect(hostDefaults(host(8, 32), { cpus: 1.5 })).toEqual({ concurrency: 4, cpus: 1.5, memory: '6g' });
    expect(hostDefaults(host(8, 32), { memory: 1000 })).toEqual({ concurrency: 4, cpus: 2, memory: 1000 });
    expect(hostDefaults(host(8, 32), { concurrency: 3, cpus: 1, memory: '5g' })).toEqual({ concurrency: 3, cpus: 1, memory: '5g' });
  });

  it('deriveLimits: false leaves unset limits unset (a resumed run keeps what it started with)', () => {
    expect(hostDefaults(host(8, 32), { concurrency: 4 }, { deriveLimits: false })).toEqual({ concurrency: 4 });
    expect(hostDefaults(host(8, 32), { concurrency: 4, memory: '3g' }, { deriveLimits: false })).toEqual({ concurrency: 4, memory: '3g' });
  });
});

describe('what submit logs', () => {
  it('one line: the choice, the host and how to change it', () => {
    const h = host(2, 23.5);
    expect(resourcesLine(hostDefaults(h, {}), h)).toBe('concurrency 1 (host: 2 cores, 23.5 GiB; --concurrency to change), per container --cpus 2 --memory 17g');
    expect(resourcesLine({ concurrency: 3 }, host(1, 64))).toBe('concurrency 3 (host: 1 core, 64 GiB; --concurrency to change), per container no --cpus limit no --memory limit');
  });

  it('warns when the containers may together hold more memory than the host has, explicit values included', () => {
    expect(memoryWarning({ concurrency: 8, memory: '8g' }, host(2, 23.5))).toBe(
      "--concurrency 8 × --memory 8g = 64 GiB exceeds this host's 23.5 GiB: sessions may be OOM-killed",
    );
    expect(memoryWarning({ concurrency: 16, memory: '2g' }, host(8, 16))).toMatch(/= 32 GiB exceeds this host's 16 GiB/);
    expect(memoryWarning({ concurrency: 2, memory: '8g' }, host(2, 16))).toBeUndefined(); // exactly the host's memory
    expect(memoryWarning({ concurrency: 64 }, host(2, 1))).toBeUndefined(); // no memory limit: nothing to add up
    for (const [cores, gib] of [[2, 24], [8, 32], [16, 16], [64, 256]] as const) {
      expect(memoryWarning(hostDefaults(host(cores, gib), {}), host(cores, gib))).toBeUndefined();
    }
  });
});

describe('resolved once, stored, read back on --resume', () => {
  const flags = { harness: ['noop'], model: 'oracle', run_id: 'r1' };

  it('resolveSubmitConfig fills in what no layer sets, and keeps what one does', () => {
    const derived = resolveSubmitConfig({ flags, host: host(8, 32) });
    expect(derived.concurrency).toBe(4);
    expect(derived.limits).toEqual({ pids: SUBMIT_DEFAULTS.limits.pids, cpus: 2, memory: '6g' });
    const set = resolveSubmitConfig({ file: { concurrency: 2, limits: { memory: '4g' } }, flags, host: host(8, 32) });
    expect([set.concurrency, set.limits.cpus, set.limits.memory]).toEqual([2, 4, '4g']);
  });

  it('a resumed run reads its stored values back, on another host too, and resumes', () => {
    const first = resolveSubmitConfig({ flags, host: host(8, 32) });
    const manifest = { run_id: 'r1', config: redactConfig(first), config_hash: configHash(first) } as RunManifest;
    const stored = validateStoredLayer(JSON.parse(JSON.stringify(manifest.config)), 'run.json');
    for (const h of [host(8, 32), host(64, 256)]) {
      const again = resolveSubmitConfig({ stored, flags, host: h });
      expect(again).toEqual(first);
      expect(() => checkResumable(manifest, again, '/r')).not.toThrow();
    }
  });

  it('a stored config from before derived limits keeps none, so its hash still matches', () => {
    const legacy = resolveSubmitConfig({ stored: { ...flags, concurrency: 4, limits: { pids: 4096 } }, host: host(8, 32) });
    expect(legacy.limits).toEqual({ pids: 4096 });
    expect(legacy.concurrency).toBe(4);
  });
});
