// Shared by the submit suites: the built CLI, the test harness plug-ins, readers for a run directory that check every
// ses file against the one ses schema (zod) and its published JSON Schema (ajv).
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { execa, execaSync, type ResultPromise } from 'execa';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createDockerRuntime, LABELS } from '../../src/runtime/index.js';
import { SesFileSchema, type SesFile } from '../../src/run/ses-file.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

export const CLI = path.join(REPO_ROOT, 'bin/swebench');
export const PYAGENT = path.join(REPO_ROOT, 'test/fixtures/harnesses/pyagent.mjs');
export const SLEEPER = path.join(REPO_ROOT, 'test/fixtures/harnesses/sleeper.mjs');

/** Runs `swebench submit …` (CI mode: plain log lines) and resolves with the result, never rejecting. */
export function submit(args: string[], opts: { env?: Record<string, string> } = {}): ResultPromise<{ reject: false; env: Record<string, string> }> {
  return execa('node', [CLI, 'submit', ...args], { reject: false, env: { CI: 'true', SWEBENCH_LOG_LEVEL: 'info', ...opts.env } });
}

/**
 * The JSON Schema `swebench schema ses` prints, compiled by ajv: every ses file of every real run in these suites is
 * checked by this independent validator as well as by the zod schema the writer and the reader use.
 */
let jsonSchemaCheck: ValidateFunction | undefined;
function sesJsonSchemaCheck(): ValidateFunction {
  if (!jsonSchemaCheck) {
    const printed = execaSync('node', [CLI, 'schema', 'ses']).stdout;
    jsonSchemaCheck = new Ajv2020({ strict: true, allErrors: true }).compile(JSON.parse(printed) as object);
  }
  return jsonSchemaCheck;
}

/** Every ses file of a run directory, checked against the schema, with its path. */
export function readSesFiles(runDir: string): Array<SesFile & { file: string }> {
  const root = path.join(runDir, 'rollout_results');
  if (!existsSync(root)) return [];
  const out: Array<SesFile & { file: string }> = [];
  for (const task of readdirSync(root)) {
    for (const name of readdirSync(path.join(root, task))) {
      if (!/^ses_.*\.json$/.test(name)) continue;
      const file = path.join(root, task, name);
      const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      const parsed = SesFileSchema.safeParse(raw);
      if (!parsed.success) throw new Error(`${file} is not a well-formed ses file: ${JSON.stringify(parsed.error.issues.slice(0, 3))}`);
      const check = sesJsonSchemaCheck();
      if (!check(raw)) throw new Error(`${file} fails \`swebench schema ses\`: ${JSON.stringify(check.errors?.slice(0, 3))}`);
      const ses = raw as SesFile;
      if (name !== `ses_${ses.session_id}.json` || task !== `task_${ses.instance_id}`) throw new Error(`${file}: name does not match its ids`);
      out.push({ ...ses, file });
    }
  }
  return out.sort((a, b) => a.instance_id.localeCompare(b.instance_id) || a.harness.name.localeCompare(b.harness.name) || a.sample_index - b.sample_index);
}

export function readPredictions(runDir: string): Array<{ instance_id: string; model_name_or_path: string; model_patch: string; harness: string; session_id: string; sample_index: number }> {
  const file = path.join(runDir, 'predictions.jsonl');
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** A harness × model group of a RunReport (report.json, `submit --json`, `report --json`) by its key; throws when absent. */
export function groupOf(report: { groups: Array<{ key: string }> }, key: string): any {
  const g = report.groups.find((x) => x.key === key);
  if (!g) throw new Error(`no group ${key} in the report (groups: ${report.groups.map((x) => x.key).join(', ')})`);
  return g;
}

export function readJson<T = any>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** Names of the containers (running or not) carrying the run's label. */
export async function runContainers(runId: string): Promise<string[]> {
  const docker = createDockerRuntime().docker;
  const list = await docker.listContainers({ all: true, filters: { label: [`${LABELS.runId}=${runId}`] } });
  return list.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, ''));
}

/** Running agent containers of a run, with their instance ids. */
export async function agentContainers(runId: string): Promise<Array<{ id: string; instanceId: string }>> {
  const docker = createDockerRuntime().docker;
  const list = await docker.listContainers({ filters: { label: [`${LABELS.runId}=${runId}`, `${LABELS.role}=agent`] } });
  return list.map((c) => ({ id: c.Id, instanceId: c.Labels[LABELS.instanceId] ?? '' }));
}

/** Polls `cond` every 200 ms until it holds or `ms` pass; returns whether it held. */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return cond();
}
