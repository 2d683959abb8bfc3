import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTasks } from '../../../src/dataset/index.js';
import { ConfigError } from '../../../src/errors.js';
import { hasSharedData, VERIFIED_JSONL, VERIFIED_PARQUET } from '../../helpers/shared-data.js';
import { caught, row, tempDir } from './helpers.js';
import { rowsToColumns, writeParquet } from './parquet-writer.js';

const shared = hasSharedData();

describe.runIf(shared)('real SWE-bench Verified files', () => {
  it('loads the 500 Parquet rows with lists parsed and versions as strings', async () => {
    const tasks = await loadTasks(VERIFIED_PARQUET);
    expect(tasks).toHaveLength(500);
    const first = tasks[0]!;
    expect(first.instance_id).toBe('astropy__astropy-12907');
    expect(first.repo).toBe('astropy/astropy');
    expect(first.version).toBe('4.3');
    expect(first.FAIL_TO_PASS).toEqual([
      'astropy/modeling/tests/test_separable.py::test_separable[compound_model6-result6]',
      'astropy/modeling/tests/test_separable.py::test_separable[compound_model9-result9]',
    ]);
    expect(first.image).toBe('swebench/sweb.eval.x86_64.astropy_1776_astropy-12907:latest');
    expect(first.eval_script).toContain('>>>>> Start Test Output');
    const f2p = tasks.reduce((n, t) => n + t.FAIL_TO_PASS.length, 0);
    const emptyP2P = tasks.filter((t) => t.PASS_TO_PASS.length === 0).length;
    expect(emptyP2P).toBe(11); // reference §1: 11 Verified instances have PASS_TO_PASS []
    expect(f2p).toBeGreaterThan(500);
    expect(new Set(tasks.map((t) => t.repo)).size).toBe(12);
  });

  it('loads the same 500 tasks from JSONL as from Parquet', async () => {
    const [fromJsonl, fromParquet] = await Promise.all([loadTasks(VERIFIED_JSONL), loadTasks(VERIFIED_PARQUET)]);
    expect(fromJsonl).toHaveLength(500);
    expect(fromJsonl).toEqual(fromParquet);
  });
});

describe('JSON and JSONL files', () => {
  it('reads a JSON list', async () => {
    const file = path.join(tempDir(), 'd.json');
    writeFileSync(file, JSON.stringify([row('a__a-1'), row('a__a-2', { FAIL_TO_PASS: ['t1', 't2'] })]));
    const tasks = await loadTasks(file);
    expect(tasks.map((t) => t.instance_id)).toEqual(['a__a-1', 'a__a-2']);
    expect(tasks[0]!.FAIL_TO_PASS).toEqual(['tests/test_x.py::test_a']);
    expect(tasks[1]!.FAIL_TO_PASS).toEqual(['t1', 't2']);
  });

  it('reads a JSON object keyed by instance id, taking the id from the key when the row has none', async () => {
    const file = path.join(tempDir(), 'd.json');
    const { instance_id: _, ...noId } = row('x');
    writeFileSync(file, JSON.stringify({ 'k__k-1': noId, 'k__k-2': row('k__k-2') }));
    expect((await loadTasks(file)).map((t) => t.instance_id)).toEqual(['k__k-1', 'k__k-2']);
  });

  it('streams JSONL, skipping blank lines and accepting CRLF and a BOM', async () => {
    const file = path.join(tempDir(), 'd.jsonl');
    writeFileSync(file, `\uFEFF${JSON.stringify(row('a__a-1'))}\r\n\r\n   \n${JSON.stringify(row('a__a-2'))}\n`);
    expect((await loadTasks(file)).map((t) => t.instance_id)).toEqual(['a__a-1', 'a__a-2']);
  });

  it('normalises optional fields: null text becomes "", null optional columns disappear, numeric versions become strings', async () => {
    const file = path.join(tempDir(), 'd.jsonl');
    const rows = [
      row('a__a-1', { hints_text: null, created_at: undefined, version: 3, image: null, difficulty: '<15 min fix', extra: 1 }),
      row('a__a-2', { version: 0.12 }),
    ];
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n'));
    const [a, b] = await loadTasks(file);
    expect(a!.hints_text).toBe('');
    expect(a!.created_at).toBe('');
    expect(a!.version).toBe('3.0');
    expect('image' in a!).toBe(false);
    expect('extra' in a!).toBe(false);
    expect(a!.difficulty).toBe('<15 min fix');
    expect(b!.version).toBe('0.12');
  });
});

describe('Parquet files', () => {
  it('reads every row group, with null optional columns and a numeric version column', async () => {
    const rows = Array.from({ length: 7 }, (_, i) => row(`p__p-${i}`, { version: i === 0 ? 3 : 1.5, hints_text: i === 2 ? undefined : 'h' }));
    const file = path.join(tempDir(), 'd.parquet');
    writeFileSync(file, writeParquet(rowsToColumns(rows, { version: 'double' }), 3)); // 3 row groups: 3 + 3 + 1
    const tasks = await loadTasks(file);
    expect(tasks.map((t) => t.instance_id)).toEqual(rows.map((r) => r.instance_id));
    expect(tasks[0]!.version).toBe('3.0');
    expect(tasks[6]!.version).toBe('1.5');
    expect(tasks[2]!.hints_text).toBe('');
  });

  it('names the Parquet row index of a bad row', async () => {
    const rows = [row('p__p-0'), row('p__p-1'), row('p__p-2', { FAIL_TO_PASS: 'not json' })];
    const file = path.join(tempDir(), 'bad.parquet');
    writeFileSync(file, writeParquet(rowsToColumns(rows), 2));
    const err = await caught(() => loadTasks(file));
    expect(err.message).toBe(
      `${file}: row index 2: field "FAIL_TO_PASS": expected a list of test ids (an array of strings, or a JSON-encoded array string), got string "not json"`,
    );
  });

  it('turns a corrupt file into a ConfigError naming it', async () => {
    const file = path.join(tempDir(), 'garbage.parquet');
    writeFileSync(file, 'this is not a parquet file at all');
    const err = await caught(() => loadTasks(file));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(`${file}: not a readable Parquet file (parquet file invalid (footer != PAR1))`);
    expect(err.hint).toBe('The file is truncated or not Parquet: download it again, or pass a .json/.jsonl dataset instead.');
  });
});

describe('dataset errors', () => {
  const HINT = 'Every row needs instance_id, repo, base_commit, patch, test_patch, problem_statement, version, FAIL_TO_PASS, PASS_TO_PASS; fix or remove this row.';

  async function errorFor(name: string, content: string) {
    const file = path.join(tempDir(), name);
    writeFileSync(file, content);
    return { file, err: await caught(() => loadTasks(file)) };
  }

  it('reports a missing file with the accepted sources', async () => {
    const err = await caught(() => loadTasks('/nonexistent/dir/test.parquet'));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe('dataset file not found: /nonexistent/dir/test.parquet');
    expect(err.hint).toBe(
      '--dataset accepts a .json, .jsonl or .parquet file, or a HuggingFace dataset name such as SWE-bench/SWE-bench_Verified.',
    );
    expect((await caught(() => loadTasks('./no/such/thing'))).message).toBe('dataset file not found: ./no/such/thing');
  });

  it('rejects an unsupported file type', async () => {
    const { file, err } = await errorFor('d.csv', 'a,b\n');
    expect(err.message).toBe(`unsupported dataset file type ".csv": ${file}`);
  });

  it('names the JSONL line (counting blank lines) and the missing field', async () => {
    const { instance_id: _, ...noId } = row('x');
    const { file, err } = await errorFor('d.jsonl', `${JSON.stringify(row('a__a-1'))}\n\n${JSON.stringify(noId)}\n`);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(`${file}: line 3: field "instance_id": expected letters, digits, ".", "_" and "-" only (no "/", not "." or ".."), such as "django__django-11099", got nothing (missing)`);
    expect(err.hint).toBe(HINT);
  });

  it('names the JSON index and the other invalid fields', async () => {
    const { file, err } = await errorFor('d.json', JSON.stringify([row('a__a-1'), row('a__a-2', { repo: 5, version: null })]));
    expect(err.message).toBe(
      `${file}: index 1: field "repo": expected a non-empty string such as "django/django", got number 5 (also invalid: version)`,
    );
  });

  it('rejects a FAIL_TO_PASS that is neither a list nor a JSON-encoded list of strings', async () => {
    const { file, err } = await errorFor('d.jsonl', JSON.stringify(row('a__a-1', { PASS_TO_PASS: '[1, 2]' })));
    expect(err.message).toBe(
      `${file}: line 1: field "PASS_TO_PASS": expected a list of test ids (an array of strings, or a JSON-encoded array string), got string "[1, 2]"`,
    );
  });

  it('rejects invalid JSON on a line', async () => {
    const { file, err } = await errorFor('d.jsonl', `${JSON.stringify(row('a__a-1'))}\n{"instance_id": \n`);
    expect(err.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 2: invalid JSON \\(.+\\)$`));
    expect(err.hint).toBe('A .jsonl dataset file holds exactly one JSON object per line; fix or remove this line.');
  });

  it('rejects a row that is not an object', async () => {
    const { file, err } = await errorFor('d.json', JSON.stringify([row('a__a-1'), 'oops']));
    expect(err.message).toBe(`${file}: index 1: expected a task object, got string "oops"`);
  });

  it('rejects a JSON file that is neither a list nor an object', async () => {
    const { file, err } = await errorFor('d.json', '42');
    expect(err.message).toBe(`${file}: expected a JSON list of dataset objects or an object keyed by instance id, got number 42`);
  });

  it('rejects duplicate instance ids, naming both places', async () => {
    const { file, err } = await errorFor('d.jsonl', [row('a__a-1'), row('a__a-2'), row('a__a-1')].map((r) => JSON.stringify(r)).join('\n'));
    expect(err.message).toBe(`${file}: line 3: duplicate instance_id "a__a-1" (first seen at line 1)`);
  });

  it('rejects an empty dataset', async () => {
    const { file, err } = await errorFor('d.jsonl', '\n\n');
    expect(err.message).toBe(`${file}: the dataset contains no tasks`);
  });
});
