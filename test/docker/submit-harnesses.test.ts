// submit with a real harness CLI (opencode, from its host bundle mounted read-only): against the noop model every
// session is an early text-only exit; a deliberately broken preset (no provider baseURL, set through the YAML
// config's harness_overrides) never reaches the gateway and is diagnosed as such, with opencode's own words.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { groupOf, readJson, readSesFiles, runContainers, submit } from './submit-helpers.js';

const fixturesDir = inject('fixturesDir');
const TASKS = 'fixtures__calc-1,fixtures__textutils-1';

describe.skipIf(!fixturesDir)('swebench submit with opencode (real CLI, real Docker)', () => {
  let out: string;
  let dataset: string;

  beforeAll(() => {
    dataset = path.join(fixturesDir!, 'tasks.jsonl');
    out = mkdtempSync(path.join(os.tmpdir(), 'swebench-submit-opencode-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('--model noop: empty_generation and early_exit_text_only for every session, exit 0', async () => {
    const r = await submit(['--harness', 'opencode', '--model', 'noop', '--dataset', dataset, '--instance-ids', TASKS, '--output-dir', out, '--run-id', 'noop', '--timeout', '300']);
    expect(r.exitCode, r.stderr).toBe(0);
    const sessions = readSesFiles(path.join(out, 'noop'));
    expect(sessions).toHaveLength(2);
    for (const s of sessions) {
      expect(s).toMatchObject({ status: 'FAILED', error_class: 'early_exit_text_only', resolved: false, patch: '', harness: { name: 'opencode' } });
      expect(s.record_count).toBeGreaterThanOrEqual(1);
      expect(s.trajectory.metadata.evaluation.report?.empty_generation).toBe(true);
      expect(s.trajectory.metadata.api_type).toBe('openai_chat');
    }
    expect(groupOf(readJson(path.join(out, 'noop/report.json')), 'opencode__swebench-noop')).toMatchObject({ resolved: 0, empty_patches: 2, official: { resolved_instances: 0, empty_patch_instances: 2 } });
    expect(await runContainers('noop')).toEqual([]);
  });

  it('a broken preset (no baseURL) → "no completions" with the harness output tail and what the gateway saw', async () => {
    const yaml = path.join(out, 'broken.yaml');
    writeFileSync(yaml, ['harness: [opencode]', 'model: oracle', 'harness_overrides:', '  opencode:', '    config:', '      provider: { gw: { options: { baseURL: null } } }', ''].join('\n'));
    const r = await submit(['--config', yaml, '--dataset', dataset, '--instance-ids', TASKS, '--output-dir', out, '--run-id', 'broken', '--timeout', '300']);
    expect(r.exitCode, r.stderr).toBe(0);
    const sessions = readSesFiles(path.join(out, 'broken'));
    expect(sessions).toHaveLength(2);
    for (const s of sessions) {
      expect(s).toMatchObject({ status: 'FAILED', error: 'no completions', error_class: 'no_completions', record_count: 0, resolved: false });
      expect(s.diagnosis?.agent_output_tail).toMatch(/cannot be parsed as a URL/);
      expect(s.diagnosis?.gateway).toMatch(/^harness exited \(code [1-9]\d*\) after \d+\.\d s without calling the gateway$/);
      expect(s.diagnosis?.harness).toMatch(/base URL/);
    }
    expect(r.stderr).toMatch(/FAILED no_completions/);
  });
});
