// The report module's public API: load a run directory, aggregate it, compare runs, merge shards, render, gate CI.
export { loadRun, type LoadedRun, type LoadedSession, type RunMeta } from './run-dir.js';
export { aggregateRun, groupKey, isInfraError } from './aggregate.js';
export { REPORT_SCHEMA_VERSION, type RunReport, type GroupReport, type InstanceRow, type SessionRow, type CellOutcome } from './types.js';
export { compareRuns, type Comparison, type CompareColumn, type ComparePair, type CompareOptions } from './compare.js';
export { loadComparable, fromRunReport, type ComparableRun } from './compare-input.js';
export { mergeRuns, type MergeConfig, type MergeResult } from './merge.js';
export { applyCiGates, applyRegressionGate, parseRate, type CiGates, type GateResult, type RegressionMode } from './ci-gates.js';
export { renderJunit, writeJunit } from './render-junit.js';
export { REPORT_FORMATS, getFormat, type ReportFormat, type ReportFormatName, type RenderContext } from './formats.js';
export { writeSite, writeCompareSite, sitePaths, type SiteOptions, type SiteResult } from './viewer/site.js';
export { serveViewer, VIEWER_DIR, type ViewerServer } from './viewer/serve.js';
export { passAtK, wilsonInterval, mcnemarExact, pairedBootstrapDiff } from './stats.js';

import { aggregateRun } from './aggregate.js';
import { loadRun } from './run-dir.js';
import type { RunReport } from './types.js';

/** Loads and aggregates a run directory in one call (what `submit` needs for its gates and JUnit file). */
export async function reportRun(dir: string, opts: { signal?: AbortSignal } = {}): Promise<RunReport> {
  return aggregateRun(await loadRun(dir, opts));
}
