// `swebench merge`: the union of shard run directories (CI matrices, several hosts) into one run directory that
// `report` and `compare` read like an unsharded run. Refuses shards that overlap or were run with different configs.
import { cp, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../fs-atomic.js';
import { ConfigError, throwIfAborted } from '../errors.js';
import type { Logger } from '../logger.js';
import { isRecordObject } from '../dataset/records.js';
import { hasPrediction, predictionLine } from '../run/predictions.js';
import { aggregateRun } from './aggregate.js';
import { loadRun, RUN_JSON, ROLLOUT_DIR, sessionKey, type LoadedRun } from './run-dir.js';
import type { RunReport } from './types.js';

/** Config keys that legitimately differ between shards of one run (at any depth). */
export const SHARD_SPECIFIC_KEYS: ReadonlySet<string> = new Set([
  'shard', 'run_id', 'runId', 'output_dir', 'outputDir', 'resume', 'concurrency', 'json', 'config_hash', 'configHash',
]);

export interface MergeConfig {
  /** The shard run directories, in order. */
  dirs: string[];
  /** The merged run directory; must not exist or be empty. */
  out: string;
  /** run_id of the merged run. @default the out directory's name */
  runId?: string;
}

export interface MergeResult {
  dir: string;
  sessions: number;
  instances: number;
  report: RunReport;
}

/**
 * Checks the shards, copies every rollout_results/ tree into `out`, and writes run.json (the first shard's, with the
 * union task set and `merged_from`), predictions.jsonl and report.json (both recomputed from the ses files, in the
 * pipeline's formats). Returns the merged run's RunReport.
 */
export async function mergeRuns(config: MergeConfig, deps: { logger: Logger; signal?: AbortSignal }): Promise<MergeResult> {
  if (config.dirs.length < 2) throw new ConfigError(`expected at least two run directories, got ${config.dirs.length}`, { source: 'merge' });
  const runs: LoadedRun[] = [];
  for (const dir of config.dirs) runs.push(await loadRun(dir, { signal: deps.signal }));
  checkConfigs(runs);
  checkOverlap(runs);
  await ensureEmptyDir(config.out);

  const instanceIds: string[] = [];
  for (const run of runs) for (const id of run.instanceIds) if (!instanceIds.includes(id)) instanceIds.push(id);
  for (const run of runs) {
    throwIfAborted(deps.signal);
    if (run.sessions.length === 0) continue;
    deps.logger.info(`merge: copying ${run.sessions.length} session(s) from ${run.dir}`);
    await cp(path.join(run.dir, ROLLOUT_DIR), path.join(config.out, ROLLOUT_DIR), { recursive: true, errorOnExist: true, force: false });
  }
  const runId = config.runId ?? path.basename(path.resolve(config.out));
  const sessions = runs.flatMap((r) => r.sessions.map((s) => s.ses));
  await writeFileAtomic(path.join(config.out, RUN_JSON), JSON.stringify(mergedRunJson(runs, runId, instanceIds, sessions.length), null, 2) + '\n');
  const predictions = sessions.filter(hasPrediction).map(predictionLine);
  await writeFileAtomic(path.join(config.out, 'predictions.jsonl'), predictions.join(''));
  const merged = await loadRun(config.out, { signal: deps.signal });
  const report = aggregateRun(merged);
  // The same report.json `submit` writes, so a merged run directory reads like an unsharded one.
  await writeFileAtomic(path.join(config.out, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  return { dir: config.out, sessions: merged.sessions.length, instances: instanceIds.length, report };
}

/** The first shard's run.json with the merged task set and session count, no shard in its config, and its sources. */
function mergedRunJson(runs: LoadedRun[], runId: string, instanceIds: string[], sessions: number): Record<string, unknown> {
  const raw = runs[0]!.meta!.raw;
  const times = (k: 'started_at' | 'finished_at') => runs.map((r) => r.meta?.[k]).filter((t): t is string => typeof t === 'string').sort();
  // config_hash covered the shard; without it `submit --resume` refuses this directory instead of mixing configs.
  const { config_hash: _hash, ...rest } = raw;
  const dataset = isRecordObject(raw.dataset) ? { ...raw.dataset, tasks: instanceIds.length } : raw.dataset;
  return {
    ...rest,
    run_id: runId,
    ...(typeof raw.sessions === 'number' ? { sessions } : {}),
    ...(dataset === undefined ? {} : { dataset }),
    config: withoutShard(runs[0]!.meta!.config ?? {}),
    instance_ids: instanceIds,
    started_at: times('started_at')[0] ?? null,
    finished_at: times('finished_at').at(-1) ?? null,
    merged_from: runs.map((r) => ({ dir: path.resolve(r.dir), run_id: r.meta?.run_id ?? null, shard: shardOf(r), sessions: r.sessions.length })),
  };
}

function withoutShard(config: Record<string, unknown>): Record<string, unknown> {
  const { shard: _shard, ...rest } = config;
  return rest;
}

function checkConfigs(runs: LoadedRun[]): void {
  const missing = runs.find((r) => !r.meta);
  if (missing) {
    throw new ConfigError(`${missing.dir} has no ${RUN_JSON}: cannot check that the shards share one config`, {
      source: 'merge',
      hint: 'Merge only complete run directories written by `swebench submit`.',
    });
  }
  const base = stripShardKeys(runs[0]!.meta!.config ?? {});
  for (const run of runs.slice(1)) {
    const diffs = diffPaths(base, stripShardKeys(run.meta!.config ?? {}), []);
    if (diffs.length > 0) {
      throw new ConfigError(`${run.dir} was run with a different config than ${runs[0]!.dir}: ${diffs.slice(0, 8).join(', ')}${diffs.length > 8 ? ', …' : ''}`, {
        source: 'merge',
        hint: 'Shards of one run differ only in --shard (and output/run id); re-run the odd shard with the same config.',
      });
    }
  }
}

function checkOverlap(runs: LoadedRun[]): void {
  const owner = new Map<string, string>();
  const instanceOwner = new Map<string, string>();
  for (const run of runs) {
    for (const id of run.meta?.instance_ids ?? []) {
      const other = instanceOwner.get(id);
      if (other !== undefined) {
        throw new ConfigError(`instance ${id} is in the task set of both ${other} and ${run.dir}: the shards overlap`, {
          source: 'merge',
          hint: 'Shards must be disjoint: run them with --shard 1/n … n/n over the same selection.',
        });
      }
      instanceOwner.set(id, run.dir);
    }
    for (const s of run.sessions) {
      const key = sessionKey(s.ses);
      const other = owner.get(key);
      if (other !== undefined) {
        throw new ConfigError(
          `session of ${s.ses.harness.name}/${s.ses.model.name} on ${s.ses.instance_id} (sample ${s.ses.sample_index}) is in both ${other} and ${run.dir}: the shards overlap`,
          { source: 'merge', hint: 'Shards must be disjoint: run them with --shard 1/n … n/n over the same selection.' },
        );
      }
      owner.set(key, run.dir);
    }
  }
}

/** The config without shard-specific keys, at any depth. */
export function stripShardKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripShardKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([k]) => !SHARD_SPECIFIC_KEYS.has(k))
      .map(([k, v]) => [k, stripShardKeys(v)]),
  );
}

/** Dotted paths where two JSON values differ. */
export function diffPaths(a: unknown, b: unknown, at: string[]): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => diffPaths(a[k], b[k], [...at, k]));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [at.join('.') || '(root)'];
}

function shardOf(run: LoadedRun): string | null {
  const c = run.meta?.config ?? {};
  const found = (c.shard ?? (c.selection as Record<string, unknown> | undefined)?.shard ?? run.meta?.raw.shard) as unknown;
  return typeof found === 'string' ? found : null;
}

async function ensureEmptyDir(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
  if (entries && entries.length > 0) {
    throw new ConfigError(`output directory ${dir} is not empty`, { source: '--out', hint: 'Pass a new directory for the merged run.' });
  }
  await mkdir(dir, { recursive: true });
}

