// What a preflight check reports: one line per check, with a fix for every failure. `swebench doctor` prints them
// all; `submit` runs the fast upstream ones before any container and stops at the first failure.

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** Stable id, e.g. `upstream.tools`. */
  id: string;
  status: CheckStatus;
  /** One line: what was found. */
  detail: string;
  /** What to do about a warning or a failure. */
  fix?: string;
}

export const check = (id: string, status: CheckStatus, detail: string, fix?: string): CheckResult => ({ id, status, detail, ...(fix ? { fix } : {}) });

/** The exit status of a doctor run: non-zero when any check failed. */
export function failed(results: readonly CheckResult[]): CheckResult[] {
  return results.filter((r) => r.status === 'fail');
}
