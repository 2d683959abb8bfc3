// Grades one test log the way SWE-bench v4.1.0 does (get_logs_eval → get_eval_tests_report → get_resolution_status),
// with the v5 hardening available as the 'strict' mode.
import type { Task } from '../dataset/types.js';
import { BAD_CODES, END_TEST_OUTPUT, FAIL_ONLY_REPOS, START_TEST_OUTPUT, TEST_EXIT_CODE } from './constants.js';
import { parserFor, type LogParser, type TestStatus } from './parsers/index.js';
import type { RepoSpecTable } from './repo-specs.js';
import type { InstanceReport, InstanceReportEntry, ResolvedStatus, TestResults, TestsStatus } from './report-types.js';

export type { InstanceReport, InstanceReportEntry, ResolvedStatus, TestResults, TestsStatus } from './report-types.js';

/**
 * 'official' = SWE-bench v4.1.0 semantics (the published leaderboard's). 'strict' adds v5's hardening: a SKIPPED
 * FAIL_TO_PASS test fails (a SKIPPED PASS_TO_PASS test is kept), a non-zero `>>>>> Test Exit Code` with no failure in
 * the log rejects the log as spoofed, and truncated parametrized ids prefix-match.
 */
export const GRADING_MODES = ['official', 'strict'] as const;
export type GradingMode = (typeof GRADING_MODES)[number];

type StatusMap = Record<string, TestStatus>;

export interface GradeOptions {
  /** The model patch; null means "no prediction" (`patch_is_None`). */
  patch: string | null;
  /** @default 'official' */
  mode?: GradingMode;
  /** Spec table used to find the parser of rows without a `log_parser` column. @default the built-in table */
  specs?: RepoSpecTable;
}

/** Grades `log` (the eval script's combined stdout/stderr; null when there is none) against the task's test lists. */
export function gradeInstance(task: Task, log: string | null, opts: GradeOptions): InstanceReport {
  const entry: InstanceReportEntry = { patch_is_None: false, patch_exists: false, patch_successfully_applied: false, resolved: false };
  const report: InstanceReport = { [task.instance_id]: entry };
  if (opts.patch === null) {
    entry.patch_is_None = true;
    return report;
  }
  entry.patch_exists = true;
  if (log === null) return report;
  const mode = opts.mode ?? 'official';
  const { statusMap, found } = getLogsEval(log, parserFor(task, opts.specs), mode);
  if (!found) return report;
  entry.patch_successfully_applied = true;
  const failOnly = task.eval_type === 'fail_only' || FAIL_ONLY_REPOS.has(task.repo);
  const tests = getEvalTestsReport(statusMap, task, { mode, failOnly });
  entry.resolved = getResolutionStatus(tests) === 'RESOLVED_FULL';
  entry.tests_status = tests;
  return report;
}

/** Python's universal-newline read (`open(log_fp).read()`): \r\n and lone \r become \n before anything looks at the log. */
export function normalizeNewlines(log: string): string {
  return log.replace(/\r\n?/g, '\n');
}

const EXIT_CODE_RE = new RegExp(`${escapeRegExp(TEST_EXIT_CODE)}:\\s*(-?\\d+)`);

/**
 * get_logs_eval: a bad code anywhere, or a missing marker, means "not applied" (empty map). Otherwise the text between
 * the first start marker and the following end marker is parsed, and the whole log when that yields nothing.
 */
export function getLogsEval(log: string, parser: LogParser, mode: GradingMode = 'official'): { statusMap: StatusMap; found: boolean } {
  const content = normalizeNewlines(log);
  const notFound = { statusMap: Object.create(null) as StatusMap, found: false };
  if (BAD_CODES.some((code) => content.includes(code))) return notFound;
  if (!(content.includes(START_TEST_OUTPUT) && content.includes(END_TEST_OUTPUT))) return notFound;
  const afterStart = content.split(START_TEST_OUTPUT)[1]!;
  const between = afterStart.split(END_TEST_OUTPUT)[0]!;
  let statusMap = parser(between);
  if (isEmpty(statusMap)) statusMap = parser(content);
  if (mode === 'strict') {
    const m = EXIT_CODE_RE.exec(content);
    const exitCode = m ? Number(m[1]) : 0;
    const anyFailure = Object.values(statusMap).some((s) => s === 'FAILED' || s === 'ERROR');
    if (exitCode !== 0 && !isEmpty(statusMap) && !anyFailure) return notFound;
  }
  return { statusMap, found: true };
}

/**
 * get_eval_tests_report (PASS_AND_FAIL unless `failOnly`): a passed test is a success, a failed or missing one a
 * failure, anything else (SKIPPED in official mode) lands in neither list.
 */
export function getEvalTestsReport(
  sm: StatusMap,
  task: Pick<Task, 'FAIL_TO_PASS' | 'PASS_TO_PASS'>,
  opts: { mode?: GradingMode; failOnly?: boolean } = {},
): TestsStatus {
  const strict = opts.mode === 'strict';
  const get = (c: string): string | undefined => {
    const key = strict ? resolveCase(c, sm) : Object.hasOwn(sm, c) ? c : undefined;
    return key === undefined ? undefined : sm[key];
  };
  const passed = (s: string | undefined) => s === 'PASSED' || s === 'XFAIL';
  const failed = (s: string | undefined) => s === undefined || s === 'FAILED' || s === 'ERROR' || (strict && s === 'SKIPPED');
  const classify = (cases: string[], kept: (s: string | undefined) => boolean): TestResults => {
    const out: TestResults = { success: [], failure: [] };
    for (const c of cases) {
      if (opts.failOnly) {
        // check_fail_only: exact key, failure only when present as FAILED.
        (Object.hasOwn(sm, c) && sm[c] === 'FAILED' ? out.failure : out.success).push(c);
        continue;
      }
      const s = get(c);
      if (kept(s)) out.success.push(c);
      else if (failed(s)) out.failure.push(c);
    }
    return out;
  };
  return {
    FAIL_TO_PASS: classify(task.FAIL_TO_PASS, passed),
    // v5 test_maintained: a skipped PASS_TO_PASS test is not a regression.
    PASS_TO_PASS: classify(task.PASS_TO_PASS, strict ? (s) => passed(s) || s === 'SKIPPED' : passed),
    FAIL_TO_FAIL: { success: [], failure: [] },
    PASS_TO_FAIL: { success: [], failure: [] },
  };
}

/**
 * [v5 _resolve_case] The map key for `c`: exact, else — only for ids with more `[` than `]` (truncated parameters) —
 * the first key it prefixes, provided all such keys agree on pass vs. not-pass.
 */
function resolveCase(c: string, sm: StatusMap): string | undefined {
  if (Object.hasOwn(sm, c)) return c;
  if (count(c, '[') <= count(c, ']')) return undefined;
  const matches = Object.keys(sm).filter((k) => k.startsWith(c));
  if (matches.length === 0) return undefined;
  const outcomes = new Set(matches.map((k) => sm[k] === 'PASSED' || sm[k] === 'XFAIL'));
  return outcomes.size === 1 ? matches[0] : undefined;
}

/** get_resolution_status: ratios with an empty denominator count as 1; FULL needs both at 1. */
export function getResolutionStatus(tests: Pick<TestsStatus, 'FAIL_TO_PASS' | 'PASS_TO_PASS'>): ResolvedStatus {
  const f2p = ratio(tests.FAIL_TO_PASS);
  const p2p = ratio(tests.PASS_TO_PASS);
  if (f2p === 1 && p2p === 1) return 'RESOLVED_FULL';
  if (f2p < 1 && f2p > 0 && p2p === 1) return 'RESOLVED_PARTIAL';
  return 'RESOLVED_NO';
}

function ratio(r: TestResults): number {
  const total = r.success.length + r.failure.length;
  return total === 0 ? 1 : r.success.length / total;
}

function isEmpty(map: StatusMap): boolean {
  for (const _ in map) return false;
  return true;
}

function count(s: string, ch: string): number {
  return s.split(ch).length - 1;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
