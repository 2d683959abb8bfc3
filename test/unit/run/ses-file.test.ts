// The one ses schema: zod (writer and reader) and its published JSON Schema agree, checked with an independent
// validator (ajv); the cross-field rules hold; the results layout in the code is the README's.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { RESULTS_LAYOUT } from '../../../src/run/layout.js';
import { parseSesFile, SesFileSchema, sesJsonSchema, type SesFile } from '../../../src/run/ses-file.js';
import { makeSes } from '../../helpers/run-dir.js';
import { REPO_ROOT } from '../../helpers/shared-data.js';

const validate = new Ajv2020({ strict: true, allErrors: true }).compile(sesJsonSchema());
const variants: Record<string, SesFile> = {
  resolved: makeSes({ instance_id: 'a__a-1', resolved: true }),
  empty: makeSes({ instance_id: 'a__a-1', patch: '' }),
  cancelled: makeSes({ instance_id: 'a__a-1', status: 'CANCELLED', patch: '', patch_extracted: false }),
  infra: makeSes({ instance_id: 'a__a-1', status: 'ERROR', error_class: 'infra_error', patch: '', patch_extracted: false }),
};

describe('the ses schema', () => {
  it.each(Object.keys(variants))('a well-formed %s session passes zod and the JSON Schema', (name) => {
    const ses = variants[name]!;
    expect(SesFileSchema.safeParse(ses).success).toBe(true);
    expect(validate(ses), JSON.stringify(validate.errors)).toBe(true);
  });

  it('both reject an unknown field, a missing field and a wrong enum value', () => {
    const bad: Array<[string, unknown]> = [
      ['extra field', { ...variants.resolved, surprise: 1 }],
      ['missing empty_generation', (({ empty_generation: _e, ...rest }) => rest)(variants.resolved!)],
      ['unknown status', { ...variants.resolved, status: 'DONE' }],
      ['unknown error class', { ...variants.infra, error_class: 'network_glitch' }],
      ['session id not 16 hex', { ...variants.resolved, session_id: 'abc' }],
    ];
    for (const [what, value] of bad) {
      expect(SesFileSchema.safeParse(value).success, `zod accepted: ${what}`).toBe(false);
      expect(validate(value), `ajv accepted: ${what}`).toBe(false);
    }
  });

  it('zod enforces the rules that tie fields together', () => {
    const rule = (value: unknown) => SesFileSchema.safeParse(value).error?.issues[0]?.path.join('.');
    expect(rule({ ...variants.resolved, reward: 0 })).toBe('reward');
    expect(rule({ ...variants.empty, empty_generation: false })).toBe('empty_generation');
    expect(rule({ ...variants.infra, error: null })).toBe('error');
    expect(rule({ ...variants.resolved, error_class: 'agent_crash' })).toBe('error_class');
    expect(rule({ ...variants.resolved, trace_count: 3 })).toBe('trace_count');
    expect(rule({ ...variants.resolved, compactions: 3 })).toBe('compactions');
    const nudge = { index: 1, reason: 'early_exit_text_only', after_completions: 1, message: 'go on', exit_code: 0, duration_ms: 5 };
    expect(rule({ ...variants.resolved, nudges: [{ ...nudge, index: 2 }] })).toBe('nudges.0.index');
    expect(rule({ ...variants.resolved, nudges: [{ ...nudge, after_completions: 9 }] })).toBe('nudges.0.after_completions');
    expect(SesFileSchema.safeParse({ ...variants.resolved, nudges: [nudge, { ...nudge, index: 2, reason: 'no_patch' }] }).success).toBe(true);
    const chains = { main: 1, subagent: 0, compaction: 0, title: 1, auxiliary: 0 };
    expect(rule({ ...variants.resolved, chains: { ...chains, main: 2 } })).toBe('chains');
    const tokens = { records: 2, missing: 0, prefix: { first: 1, extends: 1, diverges: 0, reset: 0 }, first_divergence: null };
    expect(SesFileSchema.safeParse({ ...variants.resolved, chains, tokens, weight_versions: ['v1', 2] }).success).toBe(true);
    expect(rule({ ...variants.resolved, tokens: { ...tokens, prefix: { ...tokens.prefix, extends: 2 } } })).toBe('tokens.prefix');
    expect(rule({ ...variants.resolved, tokens: { ...tokens, missing: 1 } })).toBe('tokens');
  });

  it('empty_generation stands at the top level and in the evaluation report, equal', () => {
    const e = variants.empty!;
    expect(e.empty_generation).toBe(true);
    expect(e.trajectory.metadata.evaluation.report?.empty_generation).toBe(true);
    expect(variants.cancelled!.empty_generation).toBe(false);
  });
});

describe('ses files of earlier releases (schema_version 1, 2 and 3)', () => {
  // what the version-3 writer produced: no chains, no token summary, no policy versions (upgraded: null, null, [])
  const v3 = (ses: SesFile) => {
    const { chains: _c, tokens: _t, weight_versions: _w, ...rest } = ses;
    return { ...rest, schema_version: 3 };
  };
  const upgraded = (ses: SesFile): SesFile => ({ ...ses, chains: null, tokens: null, weight_versions: [] });
  // what the version-2 writer produced: no nudges, no compaction count
  const v2 = (ses: SesFile) => {
    const { nudges: _n, compactions: _c, ...rest } = v3(ses);
    return { ...rest, schema_version: 2 };
  };
  // what the version-1 writer produced: as version 2, without top-level empty_generation, agent_first_request_ms absent when cancelled
  const v1 = (ses: SesFile) => {
    const { empty_generation: _e, agent_first_request_ms: _a, ...rest } = v2(ses);
    return { ...rest, schema_version: 1 };
  };

  it('are upgraded on read, empty_generation derived as the writer now sets it', () => {
    for (const [name, ses] of Object.entries(variants)) {
      const parsed = parseSesFile(v1(ses));
      expect(parsed.success, name).toBe(true);
      expect(parsed.data).toEqual({ ...upgraded(ses), agent_first_request_ms: null });
      expect(parseSesFile(v2(ses)).data, name).toEqual(upgraded(ses));
      expect(parseSesFile(v3(ses)).data, name).toEqual(upgraded(ses));
    }
  });

  it('still fail on a real defect, naming the field', () => {
    const parsed = parseSesFile({ ...v1(variants.resolved!), status: 'DONE' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['status']);
  });
});

describe('the results layout', () => {
  it('the README shows exactly the tree the code owns', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    expect(RESULTS_LAYOUT).toMatch(/^results\/<run-id>\/\n/);
    expect(readme).toContain(`\`\`\`\n${RESULTS_LAYOUT}\`\`\``);
  });
});
