// Dataset and predictions fields that end up in command lines and paths: base_commit must be a full SHA (it
// reaches git), and model_name_or_path must stay one directory below the eval run directory once "/" → "__".
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTasks } from '../../../src/dataset/index.js';
import type { Task } from '../../../src/dataset/types.js';
import { ConfigError, EXIT_CODES } from '../../../src/errors.js';
import { instanceDirFor } from '../../../src/eval/evaluate.js';
import { loadPredictions } from '../../../src/eval/predictions.js';
import { caught, row, tempDir } from './helpers.js';

function file(name: string, content: string): string {
  const f = path.join(tempDir(), name);
  writeFileSync(f, content);
  return f;
}

describe('base_commit', () => {
  it.each([
    ['--output=/tmp/x', 'string "--output=/tmp/x"'],
    ['HEAD', 'string "HEAD"'],
    ['a'.repeat(39), `string "${'a'.repeat(39)}"`],
    ['abc; rm -rf /', 'string "abc; rm -rf /"'],
  ])('rejects %j with the row and the field', async (sha, shown) => {
    const f = file('d.jsonl', `${JSON.stringify(row('a__a-1'))}\n${JSON.stringify(row('a__a-2', { base_commit: sha }))}\n`);
    const err = await caught(() => loadTasks(f));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.exitCode).toBe(EXIT_CODES.config);
    expect(err.message).toBe(`${f}: line 2: field "base_commit": expected a full commit SHA (40 hex digits), got ${shown}`);
  });

  it('accepts a 40-hex SHA', async () => {
    const tasks = await loadTasks(file('d.jsonl', JSON.stringify(row('a__a-1', { base_commit: '0123456789abcdef0123456789ABCDEF01234567' }))));
    expect(tasks[0]!.base_commit).toBe('0123456789abcdef0123456789ABCDEF01234567');
  });
});

describe('instance_id', () => {
  it.each(['..', '.', '../../etc', 'a/b', 'a\\b', 'x y', ''])('rejects %j with the row and the field (it names directories)', async (id) => {
    const f = file('d.jsonl', `${JSON.stringify(row('a__a-1'))}\n${JSON.stringify(row(id))}\n`);
    const err = await caught(() => loadTasks(f));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 2: field "instance_id": expected letters, digits`));
  });

  it('accepts every published form', async () => {
    const ids = ['django__django-11099', 'scikit-learn__scikit-learn-25747', 'fixtures__calc-1'];
    const tasks = await loadTasks(file('d.jsonl', ids.map((id) => JSON.stringify(row(id))).join('\n')));
    expect(tasks.map((t) => t.instance_id)).toEqual(ids);
  });
});

describe('model_name_or_path', () => {
  const tasks = [{ instance_id: 'a__a-1' }, { instance_id: 'a__a-2' }] as Task[];
  const line = (id: string, model: string) => JSON.stringify({ instance_id: id, model_name_or_path: model, model_patch: 'diff\n' });

  it.each(['..', '.'])('rejects %j with the file, the line and the field', async (model) => {
    const f = file('p.jsonl', `${line('a__a-1', 'ok')}\n${line('a__a-2', model)}\n`);
    const err = await caught(() => loadPredictions(f, tasks));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.exitCode).toBe(EXIT_CODES.config);
    expect(err.message).toBe(`${f}: line 2: field "model_name_or_path": ${JSON.stringify(model)} cannot name the directory its evaluations are written to`);
  });

  it.each(['org/model', '../../etc', '/abs/path', '..//..'])('maps %j to one directory inside the run directory, as the official harness does', async (model) => {
    const f = file('p.jsonl', `${line('a__a-1', model)}\n`);
    const [p] = await loadPredictions(f, tasks);
    expect(p!.model_name_or_path).toBe(model);
    const runDir = path.join(tempDir(), 'run');
    const dir = instanceDirFor(runDir, p!.model_name_or_path, p!.instance_id);
    expect(path.dirname(path.dirname(dir))).toBe(runDir);
    expect(path.basename(path.dirname(dir))).toBe(model.replaceAll('/', '__'));
  });
});
