// Turns raw dataset rows (JSON, JSONL, Parquet) into typed Tasks once, at load time, with errors that point at the row and field.
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { describeValue, isRecordObject, type RawRecord } from './records.js';
import type { Task } from './types.js';

/** SWE-bench versions are strings ("3.0"); a float column turns them into numbers, so 3 becomes "3.0" as Python's str(3.0) would. */
export function versionFromNumber(n: number): string {
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}

const coerceVersion = (v: unknown): unknown =>
  typeof v === 'number' && Number.isFinite(v) ? versionFromNumber(v) : typeof v === 'bigint' ? String(v) : v;

// FAIL_TO_PASS / PASS_TO_PASS are JSON-encoded strings in the official data, arrays in some exports.
const parseJsonList = (v: unknown): unknown => {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
};

// Optional text columns are often null in Parquet exports; timestamps may arrive as Dates.
const optionalText = (v: unknown): unknown => (v === null ? undefined : v instanceof Date ? v.toISOString() : v);

const text = z.string();
const nonEmpty = z.string().min(1);
// A full SHA-1 and nothing else: base_commit reaches git command lines (the patch extraction, eval.sh).
const commitSha = z.string().regex(/^[0-9a-fA-F]{40}$/);
// instance_id names directories (task_<id>, eval's <model>/<id>) and container labels: no path separators, no
// "."/".." and nothing a shell or docker would read specially. Every published SWE-bench id is owner__repo-123.
const instanceId = z.string().regex(/^(?!\.{1,2}$)[A-Za-z0-9._-]+$/);
const testList = z.preprocess(parseJsonList, z.array(z.string()));
const defaultedText = z.preprocess(optionalText, z.string().optional()).transform((s) => s ?? '');
const maybeText = z.preprocess(optionalText, z.string().optional());

const taskSchema = z.object({
  instance_id: instanceId,
  repo: nonEmpty,
  base_commit: commitSha,
  patch: text,
  test_patch: text,
  problem_statement: text,
  version: z.preprocess(coerceVersion, nonEmpty),
  FAIL_TO_PASS: testList,
  PASS_TO_PASS: testList,
  hints_text: defaultedText,
  created_at: defaultedText,
  environment_setup_commit: defaultedText,
  difficulty: maybeText,
  eval_script: maybeText,
  image: maybeText,
  log_parser: maybeText,
  eval_type: maybeText,
});

/** The fields every row must carry, for hints. */
export const REQUIRED_FIELDS = [
  'instance_id', 'repo', 'base_commit', 'patch', 'test_patch', 'problem_statement', 'version', 'FAIL_TO_PASS', 'PASS_TO_PASS',
] as const;

const LIST = 'a list of test ids (an array of strings, or a JSON-encoded array string)';
const OPTIONAL = 'a string or null';

/** What each field must hold, in the words the error message uses. */
const EXPECTED: Record<keyof z.input<typeof taskSchema>, string> = {
  instance_id: 'letters, digits, ".", "_" and "-" only (no "/", not "." or ".."), such as "django__django-11099"',
  repo: 'a non-empty string such as "django/django"',
  base_commit: 'a full commit SHA (40 hex digits)',
  patch: 'a string (the gold patch)',
  test_patch: 'a string (the test patch)',
  problem_statement: 'a string',
  version: 'a non-empty version string such as "3.0" (numbers are accepted)',
  FAIL_TO_PASS: LIST,
  PASS_TO_PASS: LIST,
  hints_text: OPTIONAL,
  created_at: OPTIONAL,
  environment_setup_commit: OPTIONAL,
  difficulty: OPTIONAL,
  eval_script: OPTIONAL,
  image: OPTIONAL,
  log_parser: OPTIONAL,
  eval_type: OPTIONAL,
};

const ROW_HINT = `Every row needs ${REQUIRED_FIELDS.join(', ')}; fix or remove this row.`;

/** Validates one raw row; a row of a `{instance_id: row}` JSON object takes its id from the key when it has none. */
export function normalizeTask(record: RawRecord, file: string): Task {
  const { value, at } = record;
  if (!isRecordObject(value)) {
    throw new ConfigError(`expected a task object, got ${describeValue(value)}`, { source: file, path: at, hint: ROW_HINT });
  }
  const row = record.key !== undefined && value.instance_id === undefined ? { ...value, instance_id: record.key } : value;
  const parsed = taskSchema.safeParse(row);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0] ?? '') as keyof typeof EXPECTED;
    const others = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? '')))].filter((f) => f !== field);
    const more = others.length > 0 ? ` (also invalid: ${others.join(', ')})` : '';
    const expected = EXPECTED[field] ?? 'a valid value';
    throw new ConfigError(`field "${field}": expected ${expected}, got ${describeValue(row[field])}${more}`, {
      source: file,
      path: at,
      hint: ROW_HINT,
    });
  }
  const task: Task = parsed.data;
  for (const key of Object.keys(task) as (keyof Task)[]) if (task[key] === undefined) delete task[key];
  return task;
}

/** Validates every row and rejects duplicate instance ids (the second occurrence names the first). */
export async function collectTasks(records: Iterable<RawRecord> | AsyncIterable<RawRecord>, file: string): Promise<Task[]> {
  const tasks: Task[] = [];
  const seen = new Map<string, string>();
  for await (const record of records) {
    const task = normalizeTask(record, file);
    const first = seen.get(task.instance_id);
    if (first !== undefined) {
      throw new ConfigError(`duplicate instance_id "${task.instance_id}" (first seen at ${first})`, {
        source: file,
        path: record.at,
        hint: 'Instance ids must be unique within a dataset; remove one of the two rows.',
      });
    }
    seen.set(task.instance_id, record.at);
    tasks.push(task);
  }
  return tasks;
}
