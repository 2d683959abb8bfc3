// The submit config: YAML errors name the file, the key path and the line; layers merge defaults ← stored ←
// file ← flags; what no single layer can check (one model source, chaos rates) fails with a fix-it hint.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfigText, readConfigFile, resolveSubmitConfig, validateFlagLayer, validateStoredLayer } from '../../../src/config/load.js';
import { parseBuiltinModel, parseMemory, RESUME_FREE_KEYS, SUBMIT_DEFAULTS } from '../../../src/config/submit-schema.js';
import { envSecret } from '../../../src/run/model-source.js';
import { ConfigError } from '../../../src/errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'swebench-config-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('YAML config files', () => {
  it('parses every kind of value, lists also as comma-separated strings', async () => {
    const file = path.join(dir, 'ok.yaml');
    writeFileSync(
      file,
      [
        'harness: opencode, codex',
        'dataset: tasks.jsonl',
        'instance_ids: [a__b-1, c__d-2]',
        'num_samples: 2',
        'timeout: 600',
        'idle_timeout: 0',
        'eval: false',
        'limits: { cpus: 1.5, memory: 4g, pids: 512 }',
        'harness_overrides:',
        '  opencode:',
        '    version: 1.2.3',
        '    config: { provider: { gw: { options: { baseURL: null } } } }',
        'chaos: { seed: 7, rates: { "429": 0.5 } }',
      ].join('\n'),
    );
    const layer = await readConfigFile(file);
    expect(layer).toEqual({
      harness: ['opencode', 'codex'],
      dataset: 'tasks.jsonl',
      instance_ids: ['a__b-1', 'c__d-2'],
      num_samples: 2,
      timeout: 600,
      idle_timeout: 0,
      eval: false,
      limits: { cpus: 1.5, memory: '4g', pids: 512 },
      harness_overrides: { opencode: { version: '1.2.3', config: { provider: { gw: { options: { baseURL: null } } } } } },
      chaos: { seed: 7, rates: { '429': 0.5 } },
    });
  });

  it('an empty file is an empty layer', () => {
    expect(parseConfigText('', 'empty.yaml')).toEqual({});
    expect(parseConfigText('# only a comment\n', 'c.yaml')).toEqual({});
  });

  it('a wrong value names the file, the key path and its line', () => {
    const e = configError(() => parseConfigText('harness: [noop]\nlimits:\n  pids: 10\n  memory: lots\n', 'run.yaml'));
    expect(e.message).toBe('run.yaml: limits.memory (line 4): expected a size such as 8g, 512m or a number of bytes');
    expect(e.source).toBe('run.yaml');
    const t = configError(() => parseConfigText('timeout: -5\n', 'run.yaml'));
    expect(t.message).toMatch(/^run\.yaml: timeout \(line 1\): expected a positive number of seconds/);
  });

  it('an unknown key is refused with the list of known keys', () => {
    const e = configError(() => parseConfigText('harness: [noop]\nmodle: oracle\n', 'run.yaml'));
    expect(e.message).toBe('run.yaml: modle (line 2): unknown key "modle"');
    expect(e.hint).toMatch(/Known keys: harness, .*idle_timeout/);
    const nested = configError(() => parseConfigText('limits:\n  cpu: 2\n', 'run.yaml'));
    expect(nested.message).toBe('run.yaml: limits.cpu (line 2): unknown key "cpu"');
  });

  it('YAML syntax errors carry line and column; a top-level list is refused', () => {
    const e = configError(() => parseConfigText('harness: [noop\ntimeout: 5\n', 'bad.yaml'));
    expect(e.message).toMatch(/^bad\.yaml: line \d+, column \d+: invalid YAML/);
    expect(configError(() => parseConfigText('- a\n- b\n', 'list.yaml')).message).toMatch(/expected a mapping/);
    expect(configError(() => parseConfigText('a: 1\na: 2\n', 'dup.yaml')).message).toMatch(/invalid YAML/);
  });

  it('a missing file is a ConfigError naming it', async () => {
    await expect(readConfigFile(path.join(dir, 'nope.yaml'))).rejects.toThrow(/nope\.yaml: cannot read the config file/);
  });
});

describe('merging layers', () => {
  it('defaults ← stored ← file ← flags, objects merged key by key', () => {
    const config = resolveSubmitConfig({
      stored: { harness: ['noop'], model: 'oracle', timeout: 100, limits: { cpus: 1 } },
      file: { timeout: 200, limits: { memory: '2g' }, harness_overrides: { noop: { config: { sleepSec: 1 } } } },
      fileSource: 'f.yaml',
      flags: { timeout: 300, harness: ['pyagent'] },
    });
    expect(config.harness).toEqual(['pyagent']);
    expect(config.timeout).toBe(300);
    expect(config.model).toBe('oracle');
    expect(config.limits).toEqual({ pids: SUBMIT_DEFAULTS.limits.pids, cpus: 1, memory: '2g' });
    expect(config.harness_overrides).toEqual({ noop: { config: { sleepSec: 1 } } });
    expect(config.eval).toBe(true);
    expect(config.idle_timeout).toBe(SUBMIT_DEFAULTS.idle_timeout);
  });

  it('the defaults object is never modified by a merge', () => {
    const before = JSON.stringify(SUBMIT_DEFAULTS);
    resolveSubmitConfig({ flags: { harness: ['noop'], model: 'noop', limits: { pids: 1 } } });
    expect(JSON.stringify(SUBMIT_DEFAULTS)).toBe(before);
  });

  it('needs a harness and exactly one model source', () => {
    expect(configError(() => resolveSubmitConfig({ flags: { model: 'oracle' } })).message).toMatch(/^--harness: no harness given/);
    expect(configError(() => resolveSubmitConfig({ flags: { harness: ['noop'] } })).hint).toMatch(/--upstream <url>.*--model oracle/);
    const both = configError(() =>
      resolveSubmitConfig({ file: { model: 'oracle' }, fileSource: 'x.yaml', flags: { harness: ['noop'], upstream: 'http://127.0.0.1:1/v1' } }),
    );
    expect(both.message).toBe('x.yaml / --upstream: both a built-in model and an upstream are set');
    expect(configError(() => resolveSubmitConfig({ flags: { harness: ['noop'], model: 'gpt' } })).message).toMatch(/unknown built-in model "gpt"/);
    expect(configError(() => resolveSubmitConfig({ flags: { harness: ['noop'], model: 'noop', upstream_model: 'm' } })).message).toMatch(
      /upstream_model only applies to an upstream/,
    );
  });

  it('upstream trainer: the trainer owns inference; its keys, prompt logprobs and drift only where they apply', () => {
    const base = { harness: ['noop'] };
    const ok = resolveSubmitConfig({ flags: { ...base, upstream: 'trainer', trainer_token_env: 'TT', trainer_timeout: 60, upstream_model: 'policy', capture_tokens: true, prompt_logprobs: 1 } });
    expect(ok).toMatchObject({ upstream: 'trainer', trainer_token_env: 'TT', trainer_timeout: 60, prompt_logprobs: 1 });
    const bad = (flags: Record<string, unknown>) => configError(() => resolveSubmitConfig({ flags: { ...base, ...flags } })).message;
    expect(bad({ upstream: 'http://127.0.0.1:1/v1', trainer_token_env: 'TT' })).toMatch(/trainer_token_env only applies to --upstream trainer/);
    expect(bad({ upstream: 'trainer', upstream_api_key_env: 'K' })).toMatch(/upstream_api_key_env does not apply to a trainer upstream/);
    expect(bad({ model: 'oracle', prompt_logprobs: 1 })).toMatch(/prompt_logprobs needs capture_tokens/);
    expect(bad({ upstream: 'trainer', tokenizer_drift: true })).toMatch(/tokenizer_drift only applies to a built-in model/);
    expect(configError(() => validateFlagLayer({ upstream: 'trainers' })).message).toMatch(/or "trainer" for trainer-owned inference/);
  });

  it('seal_secret_env: a variable name, read when the gateway starts (unset → a ConfigError naming it); changing it does not block --resume', () => {
    expect(resolveSubmitConfig({ flags: { harness: ['noop'], model: 'oracle', seal_secret_env: 'SEAL' } })).toMatchObject({ seal_secret_env: 'SEAL' });
    expect(configError(() => validateFlagLayer({ seal_secret_env: 'not a name' })).message).toBe('--seal-secret-env: expected an environment variable name');
    expect(envSecret({ SEAL: 's3cret' }, 'SEAL', '--seal-secret-env', 'hint')).toBe('s3cret');
    expect(envSecret({}, undefined, '--seal-secret-env', 'hint')).toBeUndefined();
    const unset = configError(() => envSecret({}, 'SEAL', '--seal-secret-env', 'Export it.'));
    expect(unset).toMatchObject({ message: '--seal-secret-env: environment variable SEAL is not set', hint: 'Export it.' });
    expect(RESUME_FREE_KEYS.has('seal_secret_env')).toBe(true);
  });

  it('chaos rates must sum to at most 1', () => {
    const e = configError(() => resolveSubmitConfig({ flags: { harness: ['noop'], model: 'chaos', chaos: { rates: { '429': 0.7, '5xx': 0.7 } } } }));
    expect(e.message).toMatch(/chaos\.rates: the fault rates sum to 1\.400/);
  });

  it('flag layers are validated with the flag name; stored layers name run.json', () => {
    expect(configError(() => validateFlagLayer({ upstream: 'ftp://x' })).message).toMatch(/^--upstream: expected an http\(s\) URL/);
    expect(configError(() => validateFlagLayer({ run_id: 'a/b' })).message).toMatch(/^--run-id: use letters/);
    expect(configError(() => validateStoredLayer({ timeout: 'x' }, '/r/run.json')).message).toMatch(/^\/r\/run\.json: timeout: /);
  });
});

describe('value parsers', () => {
  it('memory sizes', () => {
    expect(parseMemory('8g')).toBe(8 * 1024 ** 3);
    expect(parseMemory('512m')).toBe(512 * 1024 ** 2);
    expect(parseMemory('1.5GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseMemory(1000)).toBe(1000);
    expect(parseMemory('lots')).toBeUndefined();
    expect(parseMemory('0')).toBeUndefined();
  });

  it('built-in model names', () => {
    expect(parseBuiltinModel('oracle')).toEqual({ policy: 'oracle' });
    expect(parseBuiltinModel('replay:results/run-1')).toEqual({ policy: 'replay', runDir: 'results/run-1' });
    expect(parseBuiltinModel('replay:')).toBeUndefined();
    expect(parseBuiltinModel('gpt-4o')).toBeUndefined();
  });
});

describe('configs/submit.example.yaml', () => {
  it('parses, and with its defaults resolves to the built-in defaults', async () => {
    const { REPO_ROOT } = await import('../../helpers/shared-data.js');
    const layer = await readConfigFile(path.join(REPO_ROOT, 'configs/submit.example.yaml'));
    const config = resolveSubmitConfig({ file: layer, fileSource: 'example' });
    const defaults = resolveSubmitConfig({ flags: { harness: ['opencode'], model: 'oracle' } });
    expect(config).toEqual(defaults);
  });
});
