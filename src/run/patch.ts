// The agent's result as a patch: everything in the working tree that differs from the base commit — edits, new
// files, deletions, mode changes and binary files — as `git diff --binary`, read back as bytes so nothing is
// re-encoded on the way out of the container. Secrets are redacted from it (an agent may write its session token
// into the repository), so the patch that is evaluated is the one written everywhere.
import { SwebenchError, EXIT_CODES } from '../errors.js';
import { redact } from '../logger.js';
import type { Sandbox } from '../runtime/types.js';

/** Where the diff is written inside the agent container before it is copied out. */
export const PATCH_FILE_IN_CONTAINER = '/tmp/.swebench-agent-patch.diff';

/** `git add -A` stages new files (ignored files stay out); the staged tree is diffed against the base commit. */
const DIFF_SCRIPT = [
  'set -e',
  'cd "$1"',
  'git add -A',
  'git -c core.quotepath=false diff --cached --binary --no-color --no-ext-diff --no-renames --end-of-options "$2" > "$3"',
].join('\n');

/** The repository could not be diffed (not a git repo any more, unknown base commit, …): a sandbox failure, not a bug. */
export class PatchExtractionError extends SwebenchError {
  constructor(message: string) {
    super(message, { code: 'E_PATCH', exitCode: EXIT_CODES.docker });
  }
}

/** Runs the diff in `workdir` and returns it, ending in a newline when not empty. */
export async function extractPatch(
  sandbox: Sandbox,
  opts: { workdir: string; baseCommit: string; signal?: AbortSignal; timeoutMs?: number },
): Promise<Buffer> {
  const r = await sandbox.exec(['sh', '-c', DIFF_SCRIPT, 'swebench-patch', opts.workdir, opts.baseCommit, PATCH_FILE_IN_CONTAINER], {
    user: 'root',
    signal: opts.signal,
    timeoutMs: opts.timeoutMs ?? 120_000,
  });
  if (r.timedOut) throw new PatchExtractionError(`git diff ${opts.baseCommit} did not finish in time`);
  if (r.exitCode !== 0) {
    throw new PatchExtractionError(`git diff ${opts.baseCommit} in ${opts.workdir} failed (exit ${r.exitCode}): ${r.output.trim().split('\n').slice(-3).join(' | ')}`);
  }
  // latin1 maps every byte to one character and back, so bytes that are not UTF-8 survive the redaction untouched
  const raw = await sandbox.getFile(PATCH_FILE_IN_CONTAINER);
  const text = raw.toString('latin1');
  const redacted = redact(text);
  const diff = redacted === text ? raw : Buffer.from(redacted, 'latin1');
  if (diff.length > 0 && diff[diff.length - 1] !== 0x0a) return Buffer.concat([diff, Buffer.from('\n')]);
  return diff;
}

/**
 * True when the working tree differs from the base commit (edits, commits, untracked files that are not ignored).
 * Read-only, unlike extractPatch's `git add -A`, so an agent that is continued afterwards sees its tree untouched.
 */
export async function workingTreeChanged(sandbox: Sandbox, opts: { workdir: string; baseCommit: string; signal?: AbortSignal }): Promise<boolean> {
  const script = 'cd "$1" && git diff --quiet --no-ext-diff "$2" -- && test -z "$(git ls-files --others --exclude-standard | head -n 1)"';
  const r = await sandbox.exec(['sh', '-c', script, 'swebench-changed', opts.workdir, opts.baseCommit], { user: 'root', signal: opts.signal, timeoutMs: 120_000 });
  if (r.timedOut) throw new PatchExtractionError(`git diff --quiet ${opts.baseCommit} did not finish in time`);
  return r.exitCode !== 0;
}
