// The oracle model: applies the task's gold patch through whatever shell tool the harness advertises,
// then answers with a final message. Every correct harness integration resolves every task under it.
// Stateless: the turn is derived from the messages (no tool result yet → tool call; else → final text).
import type { Task } from '../../dataset/types.js';
import { contentText, excerpt, lastToolResult, stableId } from './messages.js';
import { buildShellArguments, findShellTool, SHELL_TOOL_NAMES } from './shell-tool.js';
import { ModelRequestError, type ModelPolicy, type ModelReply, type ModelServerOptions, type PolicyRequest } from './types.js';

/** Where the script writes the decoded patch inside the sandbox. */
export const GOLD_PATCH_FILE = '/tmp/swebench_gold.patch';

/** Default repository directory of SWE-bench images. */
export const DEFAULT_ORACLE_WORKDIR = '/testbed';

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The POSIX-sh script that applies a patch passed as base64 (no quoting hazards whatever the patch holds):
 * skips when the patch is already applied (a retried or post-compaction turn), falls back from
 * `git apply` to `patch -p1`, and ends with `git status --short` so the transcript shows what changed.
 */
export function goldPatchScript(patch: string, workdir = DEFAULT_ORACLE_WORKDIR): string {
  const b64 = Buffer.from(patch, 'utf8').toString('base64');
  const f = GOLD_PATCH_FILE;
  return (
    `cd ${shellQuote(workdir)} && echo '${b64}' | base64 -d > ${f} && ` +
    `if git apply --reverse --check ${f} >/dev/null 2>&1; then echo 'gold patch already applied'; ` +
    `else git apply --whitespace=nowarn ${f} || patch --batch --forward --no-backup-if-mismatch -p1 -i ${f}; fi && ` +
    `git status --short`
  );
}

function text(content: string): ModelReply {
  return { content, finish_reason: 'stop' };
}

/** Answers side requests (titles, summaries, compaction) that advertise no tools. */
function auxiliaryAnswer(req: PolicyRequest): ModelReply {
  const id = req.instanceId ? ` for ${req.instanceId}` : '';
  return text(`Apply the gold patch${id}.`);
}

/** The task a request belongs to (by the gateway's instance-id header), or a 400 naming what is missing. */
export function taskForRequest(req: PolicyRequest, tasks: ReadonlyMap<string, Task>, policy: string): Task {
  if (!req.instanceId) {
    throw new ModelRequestError(
      400,
      `${policy}: cannot tell which task this request is for: no x-swebench-instance-id header ` +
        '(the swebench gateway adds it; when calling the model directly, send it or metadata.instance_id).',
    );
  }
  const task = tasks.get(req.instanceId);
  if (!task) {
    throw new ModelRequestError(
      400,
      `${policy}: unknown instance id "${req.instanceId}" (${tasks.size} tasks loaded); ` +
        'serve the dataset that contains it (swebench model serve --dataset …).',
    );
  }
  return task;
}

/** Creates the oracle policy over the given tasks. */
export function createOraclePolicy(opts: Pick<ModelServerOptions, 'tasks' | 'oracleWorkdir'>): ModelPolicy {
  const tasks = new Map<string, Task>((opts.tasks ?? []).map((t) => [t.instance_id, t]));
  const workdir = opts.oracleWorkdir ?? DEFAULT_ORACLE_WORKDIR;
  return {
    respond(req) {
      const { body } = req;
      if (!Array.isArray(body.tools) || body.tools.length === 0) return { reply: auxiliaryAnswer(req) };
      const task = taskForRequest(req, tasks, 'oracle');
      const tool = findShellTool(body.tools);
      if (!tool) {
        const names = body.tools.map((t) => t.function?.name ?? (t as { name?: string }).name ?? '?').join(', ');
        return {
          reply: text(
            `oracle: none of the advertised tools (${names}) is a shell tool I can drive ` +
              `(looked for ${SHELL_TOOL_NAMES.join(', ')}), so the gold patch of ${task.instance_id} was not applied.`,
          ),
        };
      }
      if (!task.patch.trim()) return { reply: text(`oracle: task ${task.instance_id} has an empty gold patch; nothing to apply.`) };

      const result = lastToolResult(body.messages);
      if (result) {
        const output = excerpt(contentText(result.content).trim() || '(no output)');
        return { reply: text(`I applied the gold patch of ${task.instance_id} with the ${tool.name} tool.\n\nTool output:\n${output}`) };
      }
      const args = buildShellArguments(tool, goldPatchScript(task.patch, workdir), {
        workdir,
        description: `Apply the gold patch of ${task.instance_id}`,
      });
      return {
        reply: {
          content: '',
          tool_calls: [{ id: `call_${stableId('oracle', task.instance_id, tool.name)}`, name: tool.name, arguments: JSON.stringify(args) }],
          finish_reason: 'tool_calls',
        },
      };
    },
  };
}
