// The run directory, written down once: RESULTS_LAYOUT is the tree the README shows (a test keeps them equal), and
// every path the pipeline, resume and the report read comes from here.
import { createHash } from 'node:crypto';
import path from 'node:path';

/** The run directory of `swebench submit`, as the README shows it. */
export const RESULTS_LAYOUT = `results/<run-id>/
  run.json                            resolved config (secrets redacted), harness versions, task ids, start/end, host
  predictions.jsonl                   {instance_id, model_name_or_path, model_patch, harness, session_id, sample_index}
  report.json                         the run's report, as \`swebench report --json\` prints it (rates over planned sessions)
  rollout_results/
    task_<instance_id>/
      ses_<session_id>.json           the session result (\`swebench schema ses\`), written atomically
      ses_<session_id>/               records.jsonl, agent.log, patch.diff,
                                      eval/{eval.sh, patch.diff, test_output.txt, run_instance.log, report.json}
`;

/** File and directory names inside a run directory. */
export const RUN_FILES = {
  manifest: 'run.json',
  predictions: 'predictions.jsonl',
  report: 'report.json',
  rollouts: 'rollout_results',
} as const;

/** `task_<id>` with path separators made safe (ids are `owner__repo-123` in every known dataset). */
export function taskDirName(instanceId: string): string {
  return `task_${instanceId.replace(/[/\\]/g, '__')}`;
}

/** Where one session's files go; `rel*` are relative to the run directory (what the ses file records). */
export function sessionPaths(runDir: string, instanceId: string, sessionId: string) {
  const relTask = path.join(RUN_FILES.rollouts, taskDirName(instanceId));
  const relDir = path.join(relTask, `ses_${sessionId}`);
  const rel = {
    sesFile: path.join(relTask, `ses_${sessionId}.json`),
    dir: relDir,
    records: path.join(relDir, 'records.jsonl'),
    agentLog: path.join(relDir, 'agent.log'),
    patch: path.join(relDir, 'patch.diff'),
    evalDir: path.join(relDir, 'eval'),
  };
  const abs = Object.fromEntries(Object.entries(rel).map(([k, v]) => [k, path.join(runDir, v)])) as typeof rel;
  return { rel, abs };
}

export type SessionPaths = ReturnType<typeof sessionPaths>;

/**
 * The session id of (run, instance, harness, sample): a hash, so a resumed run finds the same files and never
 * creates a second ses file for the same session.
 */
export function sessionIdFor(runId: string, instanceId: string, harness: string, sampleIndex: number): string {
  return createHash('sha256').update(JSON.stringify([runId, instanceId, harness, sampleIndex])).digest('hex').slice(0, 16);
}

/** A default run id: the UTC start time plus 4 random hex digits, e.g. `20250101-120000-1a2b`. */
export function defaultRunId(now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${t}-${createHash('sha256').update(`${now.getTime()}${Math.random()}`).digest('hex').slice(0, 4)}`;
}
