// Reads a run directory the only way the report side may: run.json plus every
// rollout_results/task_<instance_id>/ses_<session_id>.json, each validated once with errors naming file and field.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { describeValue, isRecordObject } from '../dataset/records.js';
import { ConfigError, throwIfAborted } from '../errors.js';
import { parseSesFile, type SesFile } from '../run/ses-file.js';

/** Names inside a run directory (src/run/layout.ts writes them). */
export const ROLLOUT_DIR = 'rollout_results';
export const RUN_JSON = 'run.json';

/** The run.json fields the report reads; everything else is kept as is (`raw`). */
export interface RunMeta {
  run_id: string | null;
  /** The run's task set in dataset order, when run.json lists it. */
  instance_ids: string[] | null;
  /** The resolved config, compared by `merge` (minus shard-specific keys). */
  config: Record<string, unknown> | null;
  started_at: string | null;
  finished_at: string | null;
  raw: Record<string, unknown>;
}

/** What the run set out to do, from run.json: the systems compared and the samples per task. Rates divide by it. */
export interface RunPlan {
  num_samples: number;
  groups: Array<{ harness: string; harness_version: string; model: string; upstream_model: string }>;
}

/** One ses file with where it lives (relative to the run directory). */
export interface LoadedSession {
  ses: SesFile;
  /** e.g. `rollout_results/task_x/ses_abc.json`. */
  file: string;
}

/** A run directory as the report sees it. */
export interface LoadedRun {
  dir: string;
  meta: RunMeta | null;
  sessions: LoadedSession[];
  /** The task set: run.json's instance_ids, else every instance id seen in a ses file (sorted). */
  instanceIds: string[];
  taskSetSource: 'run.json' | 'ses_files';
  /** From run.json; null when it does not say (then the groups and samples are those the ses files show). */
  plan: RunPlan | null;
}

const id = z.string().min(1);

const SES_HINT = 'Ses files are written by `swebench submit` (schema: `swebench schema ses`); re-run or resume the run, or remove the broken file.';

const runJsonSchema = z.looseObject({
  run_id: z.string().optional(),
  instance_ids: z.array(id).optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  started_at: z.string().nullable().optional(),
  finished_at: z.string().nullable().optional(),
});

/** Loads and validates a run directory. Throws ConfigError for a missing directory, a bad run.json or ses file, or duplicates. */
export async function loadRun(dir: string, opts: { signal?: AbortSignal } = {}): Promise<LoadedRun> {
  const { meta, hasRollouts } = await openRunDir(dir);
  const sessions = hasRollouts ? await readSessions(dir, opts.signal) : [];
  rejectDuplicates(sessions, dir);
  const fromMeta = meta?.instance_ids ?? null;
  const instanceIds = fromMeta ?? [...new Set(sessions.map((s) => s.ses.instance_id))].sort();
  if (fromMeta) {
    const known = new Set(fromMeta);
    const stray = sessions.find((s) => !known.has(s.ses.instance_id));
    if (stray) {
      throw new ConfigError(`ses file for instance "${stray.ses.instance_id}", which is not in run.json's instance_ids`, {
        source: path.join(dir, stray.file),
        hint: 'The run directory mixes runs: keep only the ses files of this run (or merge runs with `swebench merge`).',
      });
    }
  }
  return { dir, meta, sessions, instanceIds, taskSetSource: fromMeta ? 'run.json' : 'ses_files', plan: meta ? runPlanOf(meta.raw) : null };
}

const planSchema = z.object({
  harnesses: z.array(z.object({ name: id, version: z.string() })).min(1),
  model: z.object({ name: id, upstream: z.string() }),
  config: z.object({ num_samples: z.number().int().min(1) }),
});

/** The plan a run.json (src/run/manifest.ts RunManifest) records; null when it lacks one (a run that never reached its model). */
export function runPlanOf(manifest: unknown): RunPlan | null {
  const m = planSchema.safeParse(manifest);
  if (!m.success) return null;
  const { harnesses, model, config } = m.data;
  return {
    num_samples: config.num_samples,
    groups: harnesses.map((h) => ({ harness: h.name, harness_version: h.version, model: model.name, upstream_model: model.upstream })),
  };
}

async function readRunMeta(file: string): Promise<RunMeta | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  const hint = 'run.json is written by `swebench submit`; restore it from the run or remove it to report from the ses files alone.';
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`invalid JSON (${(err as Error).message})`, { source: file, hint });
  }
  if (!isRecordObject(data)) throw new ConfigError(`expected a JSON object, got ${describeValue(data)}`, { source: file, hint });
  const parsed = runJsonSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`field "${issue.path.join('.')}": ${issue.message}`, { source: file, hint });
  }
  const m = parsed.data;
  const ids = m.instance_ids;
  if (ids) {
    const dup = ids.find((x, i) => ids.indexOf(x) !== i);
    if (dup !== undefined) throw new ConfigError(`field "instance_ids": "${dup}" is listed twice`, { source: file, hint });
  }
  return {
    run_id: m.run_id ?? null,
    instance_ids: ids ?? null,
    config: m.config ?? null,
    started_at: m.started_at ?? null,
    finished_at: m.finished_at ?? null,
    raw: data,
  };
}

/**
 * Checks that `dir` is a run directory (run.json or rollout_results/, or both) and reads its run.json. Throws
 * ConfigError otherwise. Readers that stream sessions (`export`) start here, then `listSesFiles` + `readSes`.
 */
export async function openRunDir(dir: string): Promise<{ meta: RunMeta | null; hasRollouts: boolean }> {
  const isDir = await stat(dir).then((s) => s.isDirectory(), () => false);
  if (!isDir) {
    throw new ConfigError(`run directory not found: ${dir}`, { hint: 'Pass the directory `swebench submit` wrote, e.g. results/<run-id>.' });
  }
  const meta = await readRunMeta(path.join(dir, RUN_JSON));
  const hasRollouts = await stat(path.join(dir, ROLLOUT_DIR)).then((s) => s.isDirectory(), () => false);
  if (!meta && !hasRollouts) {
    throw new ConfigError(`${dir} is not a run directory (no ${RUN_JSON}, no ${ROLLOUT_DIR}/)`, {
      hint: 'Pass the directory `swebench submit` wrote, e.g. results/<run-id>.',
    });
  }
  return { meta, hasRollouts };
}

/** Every ses file of a run directory, relative to it (`rollout_results/task_x/ses_y.json`), sorted; names only. */
export async function listSesFiles(dir: string, signal?: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  const taskDirs = (await readdir(path.join(dir, ROLLOUT_DIR), { withFileTypes: true }))
    .filter((e) => e.isDirectory() && e.name.startsWith('task_'))
    .map((e) => e.name)
    .sort();
  for (const taskDir of taskDirs) {
    throwIfAborted(signal);
    const entries = (await readdir(path.join(dir, ROLLOUT_DIR, taskDir), { withFileTypes: true }))
      .filter((e) => e.isFile() && /^ses_.+\.json$/.test(e.name))
      .map((e) => e.name)
      .sort();
    out.push(...entries.map((name) => path.posix.join(ROLLOUT_DIR, taskDir, name)));
  }
  return out;
}

async function readSessions(dir: string, signal?: AbortSignal): Promise<LoadedSession[]> {
  const out: LoadedSession[] = [];
  const files = await listSesFiles(dir, signal);
  // one task directory at a time, as before: its ses files in parallel
  const byTask = new Map<string, string[]>();
  for (const f of files) {
    const task = path.posix.dirname(f);
    byTask.set(task, [...(byTask.get(task) ?? []), f]);
  }
  for (const group of byTask.values()) {
    throwIfAborted(signal);
    out.push(...(await Promise.all(group.map((f) => readSes(dir, f)))));
  }
  return out;
}

/** Reads and validates one ses file (`file` relative to the run directory); ConfigError naming file and field. */
export async function readSes(dir: string, file: string): Promise<LoadedSession> {
  const abs = path.join(dir, file);
  let data: unknown;
  try {
    data = JSON.parse(await readFile(abs, 'utf8'));
  } catch (err) {
    throw new ConfigError(`invalid JSON (${(err as Error).message})`, { source: abs, hint: SES_HINT });
  }
  const parsed = parseSesFile(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const got = issue.path.reduce<unknown>((v, k) => (isRecordObject(v) || Array.isArray(v) ? (v as Record<string, unknown>)[k as string] : undefined), data);
    throw new ConfigError(`field "${issue.path.join('.') || '(root)'}": ${issue.message} (got ${describeValue(got)})`, { source: abs, hint: SES_HINT });
  }
  const ses = parsed.data;
  const [taskDir, name] = file.split('/').slice(-2) as [string, string];
  if (taskDir !== `task_${ses.instance_id.replace(/[/\\]/g, '__')}` || name !== `ses_${ses.session_id}.json`) {
    throw new ConfigError(
      `instance_id "${ses.instance_id}" / session_id "${ses.session_id}" do not match the file's place (${taskDir}/${name})`,
      { source: abs, hint: `A ses file lives at ${ROLLOUT_DIR}/task_<instance_id>/ses_<session_id>.json; move it or fix its fields.` },
    );
  }
  return { ses, file };
}

/** The identity of a session within a run: (harness, model, instance, sample). */
export function sessionKey(ses: Pick<SesFile, 'harness' | 'model' | 'instance_id' | 'sample_index'>): string {
  return `${ses.harness.name}__${ses.model.name}::${ses.instance_id}#${ses.sample_index}`;
}

function rejectDuplicates(sessions: LoadedSession[], dir: string): void {
  const seen = new Map<string, string>();
  for (const s of sessions) {
    const key = sessionKey(s.ses);
    const first = seen.get(key);
    if (first !== undefined) {
      throw new ConfigError(
        `two ses files for harness ${s.ses.harness.name}, model ${s.ses.model.name}, instance ${s.ses.instance_id}, sample ${s.ses.sample_index}: ${first} and ${s.file}`,
        { source: dir, hint: 'Each (harness, model, instance, sample) has exactly one session: remove the stale file (or re-run with --resume).' },
      );
    }
    seen.set(key, s.file);
  }
}
