// run.json: what a run was (resolved config without secrets, versions, host, start/end) and the config hash that
// lets `--resume` refuse to mix two different configurations in one run directory.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RESUME_FREE_KEYS, TRAINER_UPSTREAM, type SubmitConfig } from '../config/submit-schema.js';
import { ConfigError } from '../errors.js';
import { VERSION } from '../version.js';
import { writeJsonAtomic } from '../fs-atomic.js';
import { RUN_FILES } from './layout.js';
import { displayUrl, type ModelSource } from './model-source.js';

export interface RunManifest {
  schema_version: 1;
  run_id: string;
  swebench_version: string;
  /** running → finished | cancelled | failed. A killed process leaves `running`. */
  status: 'running' | 'finished' | 'cancelled' | 'failed';
  started_at: string;
  finished_at: string | null;
  /** Every later `--resume` start. */
  resumed_at: string[];
  host: { hostname: string; platform: string; arch: string; node: string; cpus: number; memory_bytes: number };
  /** The resolved config; the upstream URL without credentials; API keys are never in it (only their variable name). */
  config: SubmitConfig;
  config_hash: string;
  harnesses: Array<{ name: string; package: string; version: string; protocol: string; bundle_dir: string | null }>;
  model: { name: string | null; upstream: string | null; source: ModelSource['description'] | null };
  dataset: { source: string; split: string; tasks: number };
  /** The selected task set, in order (what `report` divides by, and what `merge` checks shards against). */
  instance_ids: string[];
  sessions: number;
  /** Settings a reader of the results should know about, e.g. an agent network opened to the host (agent-network.ts). */
  warnings?: string[];
}

/** Sorted keys all the way down, so equal configs hash equally whatever order their keys were written in. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** The part of a config that decides what the sessions produce. */
function hashedPart(config: SubmitConfig): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).filter(([k]) => !RESUME_FREE_KEYS.has(k)));
}

/** sha256 of the canonical JSON of the config, minus the keys resume may change (run id, output dir, concurrency). */
export function configHash(config: SubmitConfig): string {
  return createHash('sha256').update(JSON.stringify(canonical(hashedPart(config)))).digest('hex');
}

/** Dotted paths whose values differ between two configs (ignoring the resume-free keys). */
export function configDiff(a: SubmitConfig, b: SubmitConfig): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, at: string) => {
    const plain = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
    if (plain(x) && plain(y)) {
      const keys = new Set([...Object.keys(x as object), ...Object.keys(y as object)]);
      for (const k of [...keys].sort()) walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], at ? `${at}.${k}` : k);
    } else if (JSON.stringify(canonical(x)) !== JSON.stringify(canonical(y))) out.push(at);
  };
  walk(hashedPart(a), hashedPart(b), '');
  return out;
}

/** The config as run.json stores it: no credentials in the upstream URL. */
export function redactConfig(config: SubmitConfig): SubmitConfig {
  return config.upstream === undefined || config.upstream === TRAINER_UPSTREAM ? config : { ...config, upstream: displayUrl(config.upstream) };
}

export function hostInfo(): RunManifest['host'] {
  return { hostname: os.hostname(), platform: os.platform(), arch: os.arch(), node: process.version, cpus: os.cpus().length, memory_bytes: os.totalmem() };
}

/** Reads `<runDir>/run.json`, or null when there is none; a damaged file is a ConfigError. */
export async function readManifest(runDir: string): Promise<RunManifest | null> {
  const file = path.join(runDir, RUN_FILES.manifest);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    const m = JSON.parse(text) as RunManifest;
    if (m?.schema_version !== 1 || typeof m.config_hash !== 'string' || !m.config) throw new Error('not a run.json of this tool');
    return m;
  } catch (err) {
    throw new ConfigError(`${file} is damaged: ${(err as Error).message}`, { hint: 'Start a new run with another --run-id (or --output-dir).' });
  }
}

/** Refuses to resume a run under a different config, naming what changed. */
export function checkResumable(stored: RunManifest, config: SubmitConfig, runDir: string): void {
  if (stored.config_hash === configHash(config)) return;
  const changed = configDiff(stored.config, redactConfig(config));
  throw new ConfigError(
    changed.length > 0
      ? `the config differs from the one run ${stored.run_id} started with: ${changed.join(', ')}`
      : `the config differs from the one run ${stored.run_id} started with (a secret part: the upstream URL's credentials)`,
    {
      source: path.join(runDir, RUN_FILES.manifest),
      hint: 'Resume with the same flags and config file (or only --resume --run-id <id>, which reuses the stored config), or start a new run with another --run-id.',
    },
  );
}

/** Writes run.json atomically. */
export function writeManifest(runDir: string, manifest: RunManifest): Promise<void> {
  return writeJsonAtomic(path.join(runDir, RUN_FILES.manifest), manifest);
}

export { VERSION as SWEBENCH_VERSION };
