// Validates ATIF trajectories the way Harbor's pydantic models do: the JSON Schema in test/fixtures/atif (fields,
// types, extra="forbid", the per-step rules) compiled by ajv, plus the cross-item model validators of
// src/harbor/models/trajectories/trajectory.py and step.py that JSON Schema cannot say. Returns the problems found.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './shared-data.js';

export const ATIF_SCHEMA_FILE = path.join(REPO_ROOT, 'test/fixtures/atif/atif-v1.7.schema.json');

let compiled: ValidateFunction | undefined;
function schema(): ValidateFunction {
  compiled ??= new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true }).compile(JSON.parse(readFileSync(ATIF_SCHEMA_FILE, 'utf8')) as object);
  return compiled;
}

interface Traj {
  trajectory_id?: string | null;
  steps: Array<{
    step_id: number;
    timestamp?: string | null;
    tool_calls?: Array<{ tool_call_id: string }> | null;
    observation?: { results: Array<{ source_call_id?: string | null; subagent_trajectory_ref?: Array<{ trajectory_id?: string | null; trajectory_path?: string | null }> | null }> } | null;
  }>;
  subagent_trajectories?: Traj[] | null;
}

/** Problems with one trajectory document (empty when valid). */
export function atifProblems(doc: unknown): string[] {
  const check = schema();
  if (!check(doc)) return (check.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  return crossChecks(doc as Traj, '');
}

// ISO 8601 as Python's datetime.fromisoformat reads it (after Z → +00:00)
const ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?$/;

function crossChecks(t: Traj, where: string): string[] {
  const out: string[] = [];
  // validate_step_ids: sequential from 1
  t.steps.forEach((s, i) => {
    if (s.step_id !== i + 1) out.push(`${where}steps[${i}].step_id: expected ${i + 1}, got ${s.step_id}`);
    if (s.timestamp != null && (!ISO.test(s.timestamp) || Number.isNaN(Date.parse(s.timestamp)))) out.push(`${where}steps[${i}].timestamp: not ISO 8601: ${s.timestamp}`);
  });
  // validate_embedded_subagent_trajectory_ids
  const embedded = new Set<string>();
  (t.subagent_trajectories ?? []).forEach((sub, i) => {
    if (sub.trajectory_id == null) out.push(`${where}subagent_trajectories[${i}].trajectory_id is required`);
    else if (embedded.has(sub.trajectory_id)) out.push(`${where}subagent_trajectories[${i}].trajectory_id ${sub.trajectory_id} is not unique`);
    else embedded.add(sub.trajectory_id);
    out.push(...crossChecks(sub, `${where}subagent_trajectories[${i}].`));
  });
  for (const s of t.steps) {
    // validate_tool_call_references: unique ids in a step; source_call_id names one of the step's calls
    const ids = new Set<string>();
    for (const c of s.tool_calls ?? []) {
      if (ids.has(c.tool_call_id)) out.push(`${where}step ${s.step_id} has duplicate tool_call_id ${c.tool_call_id}`);
      ids.add(c.tool_call_id);
    }
    for (const r of s.observation?.results ?? []) {
      if (r.source_call_id != null && !ids.has(r.source_call_id)) out.push(`${where}step ${s.step_id}: source_call_id ${r.source_call_id} is not among its tool_calls`);
      for (const ref of r.subagent_trajectory_ref ?? []) {
        if (!ref.trajectory_path && !embedded.has(ref.trajectory_id ?? '')) out.push(`${where}step ${s.step_id}: subagent ref ${ref.trajectory_id} is not embedded`);
      }
    }
  }
  return out;
}
