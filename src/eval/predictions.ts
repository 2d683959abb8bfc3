// Loads predictions in the official SWE-bench format (or the dataset's gold patches) and checks them against the dataset.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { describeValue, isRecordObject, readJsonlRecords, readJsonRecords, type RawRecord } from '../dataset/records.js';
import type { Task } from '../dataset/types.js';

/** One prediction, exactly the official harness's shape; `model_patch: null` means the model produced nothing. */
export interface Prediction {
  instance_id: string;
  model_name_or_path: string;
  model_patch: string | null;
}

/**
 * The directory a model's instances are evaluated in, as the official harness names it: `/` becomes `__`, so
 * `org/model` and even `/abs/path` stay one directory below the run directory.
 */
export function modelDirName(modelNameOrPath: string): string {
  return modelNameOrPath.replaceAll('/', '__');
}

/** The pseudo-source that evaluates every task's gold patch, as the official `--predictions_path gold`. */
export const GOLD = 'gold';

const FORMAT_HINT =
  'Predictions are {"instance_id", "model_name_or_path", "model_patch": string|null} objects: one per line in .jsonl, ' +
  'or a .json list / object keyed by instance id; or pass "gold".';

const READERS: Record<string, (file: string) => Promise<RawRecord[]> | AsyncIterable<RawRecord>> = {
  '.jsonl': (file) => readJsonlRecords(file, 'predictions'),
  '.json': (file) => readJsonRecords(file, 'predictions'),
};

/** Loads predictions from a .jsonl/.json file, or "gold"; rejects bad rows, duplicates and ids not in `tasks`. */
export async function loadPredictions(source: string, tasks: Task[]): Promise<Prediction[]> {
  if (source === GOLD) {
    return tasks.map((t) => ({ instance_id: t.instance_id, model_name_or_path: 'gold', model_patch: t.patch }));
  }
  const isFile = await stat(source).then((s) => s.isFile(), () => false);
  if (!isFile) throw new ConfigError(`predictions file not found: ${source}`, { hint: FORMAT_HINT });
  const ext = path.extname(source).toLowerCase();
  const read = READERS[ext];
  if (!read) throw new ConfigError(`unsupported predictions file type "${ext || '(none)'}": ${source}`, { hint: FORMAT_HINT });

  const known = new Set(tasks.map((t) => t.instance_id));
  const seen = new Map<string, string>();
  const predictions: Prediction[] = [];
  for await (const record of await read(source)) {
    const pred = toPrediction(record, source);
    const where = `${source}:${record.at.replace(/^line /, '')}`;
    if (!known.has(pred.instance_id)) {
      throw new ConfigError(`prediction for unknown instance ${pred.instance_id} (${where})`, {
        hint: 'Every prediction must name an instance of the dataset: check --dataset/--split, or remove the line.',
      });
    }
    const first = seen.get(pred.instance_id);
    if (first !== undefined) {
      throw new ConfigError(`duplicate prediction for instance ${pred.instance_id} (${where}; first at ${first})`, {
        hint: 'Keep one prediction per instance.',
      });
    }
    seen.set(pred.instance_id, where);
    predictions.push(pred);
  }
  if (predictions.length === 0) throw new ConfigError('the predictions file contains no predictions', { source, hint: FORMAT_HINT });
  return predictions;
}

function toPrediction(record: RawRecord, file: string): Prediction {
  const fail = (msg: string) => new ConfigError(msg, { source: file, path: record.at, hint: FORMAT_HINT });
  const { value } = record;
  if (!isRecordObject(value)) throw fail(`expected a prediction object, got ${describeValue(value)}`);
  const id = value.instance_id ?? record.key;
  if (typeof id !== 'string' || id === '') throw fail(`field "instance_id": expected a non-empty string, got ${describeValue(id)}`);
  if (record.key !== undefined && id !== record.key) {
    throw fail(`field "instance_id": "${id}" does not match its key "${record.key}"`);
  }
  const model = value.model_name_or_path;
  if (typeof model !== 'string' || model === '') {
    throw fail(`field "model_name_or_path": expected a non-empty string, got ${describeValue(model)}`);
  }
  // What the `/` → `__` mapping leaves able to escape the run directory (`.`, `..`) or break a path (NUL).
  const dir = modelDirName(model);
  if (dir === '.' || dir === '..' || dir.includes('\0')) {
    throw new ConfigError(`field "model_name_or_path": ${JSON.stringify(model)} cannot name the directory its evaluations are written to`, {
      source: file,
      path: record.at,
      hint: 'Use a model name such as "org/model-7b" ("/" becomes "__" in the directory name); "." and ".." are not names.',
    });
  }
  const patch = value.model_patch;
  if (patch !== null && typeof patch !== 'string') {
    throw fail(`field "model_patch": expected a string or null, got ${describeValue(patch)}`);
  }
  return { instance_id: id, model_name_or_path: model, model_patch: patch };
}
