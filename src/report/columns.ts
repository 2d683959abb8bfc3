// The columns every tabular renderer (table, markdown, csv) shows, as data: one definition, three layouts.
import type { ComparePair, Comparison, CompareColumn } from './compare.js';
import type { Distribution } from './stats.js';
import type { GroupReport } from './types.js';

export interface Column<T> {
  header: string;
  /** Machine-friendly name (CSV header). */
  id: string;
  /** Human text (table, markdown). */
  text(row: T): string;
  /** Raw value (CSV): numbers unformatted. */
  raw(row: T): string | number | null;
  /** Right-align in text tables. @default true */
  numeric?: boolean;
}

/** `42.5%`; `–` for null. */
export function pct(rate: number | null | undefined, digits = 1): string {
  return rate === null || rate === undefined || Number.isNaN(rate) ? '–' : `${(rate * 100).toFixed(digits)}%`;
}

/** `850 ms`, `12.3 s`, `4m05s`; `–` for null. */
export function duration(ms: number | null): string {
  if (ms === null || Number.isNaN(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Compact count: 1234 → `1,234`. */
export function num(n: number | null): string {
  if (n === null || Number.isNaN(n)) return '–';
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(1);
}

const maxK = (g: GroupReport) => Math.max(...Object.keys(g.pass_at_k).map(Number), 1);
const dist = (d: Distribution, f: 'median' | 'p90') => d[f];

/** Per harness × model, the headline columns. */
export const GROUP_COLUMNS: Array<Column<GroupReport>> = [
  { header: 'harness', id: 'harness', text: (g) => g.harness, raw: (g) => g.harness, numeric: false },
  { header: 'model', id: 'model', text: (g) => g.model, raw: (g) => g.model, numeric: false },
  { header: 'tasks', id: 'tasks', text: (g) => num(g.tasks), raw: (g) => g.tasks },
  // planned = the rate's denominator; not run = cancelled or never started (they count as not resolved)
  { header: 'planned', id: 'planned_sessions', text: (g) => num(g.planned_sessions), raw: (g) => g.planned_sessions },
  { header: 'sessions', id: 'sessions', text: (g) => num(g.sessions), raw: (g) => g.sessions },
  { header: 'not run', id: 'not_run_sessions', text: (g) => num(g.not_run_sessions), raw: (g) => g.not_run_sessions },
  { header: 'resolved', id: 'resolved', text: (g) => num(g.resolved), raw: (g) => g.resolved },
  {
    header: 'rate (95% CI)',
    id: 'resolve_rate',
    text: (g) => `${pct(g.resolve_rate)} (${pct(g.resolve_rate_ci95.low, 0)}–${pct(g.resolve_rate_ci95.high, 0)})`,
    raw: (g) => g.resolve_rate,
  },
  { header: 'rate excl. infra', id: 'resolve_rate_excluding_infra', text: (g) => pct(g.resolve_rate_excluding_infra), raw: (g) => g.resolve_rate_excluding_infra },
  { header: 'pass@1', id: 'pass_at_1', text: (g) => pct(g.pass_at_k['1']), raw: (g) => g.pass_at_k['1'] ?? null },
  {
    header: 'pass@k',
    id: 'pass_at_kmax',
    text: (g) => (maxK(g) > 1 ? `${pct(g.pass_at_k[String(maxK(g))])} (k=${maxK(g)})` : '–'),
    raw: (g) => (maxK(g) > 1 ? (g.pass_at_k[String(maxK(g))] ?? null) : null),
  },
  { header: 'empty', id: 'empty_patches', text: (g) => num(g.empty_patches), raw: (g) => g.empty_patches },
  // nudged: sessions continued after an early stop (--nudge), with how many of them then resolved
  { header: 'nudged', id: 'nudged_sessions', text: (g) => (g.nudged_sessions === 0 ? '0' : `${num(g.nudged_sessions)} (${num(g.resolved_after_nudge)} res.)`), raw: (g) => g.nudged_sessions },
  { header: 'compactions', id: 'compactions', text: (g) => num(g.compactions), raw: (g) => g.compactions },
  { header: 'infra err', id: 'infra_errors', text: (g) => num(g.infra_errors), raw: (g) => g.infra_errors },
  { header: 'time p50', id: 'session_time_ms_median', text: (g) => duration(dist(g.session_time_ms, 'median')), raw: (g) => dist(g.session_time_ms, 'median') },
  { header: 'time p90', id: 'session_time_ms_p90', text: (g) => duration(dist(g.session_time_ms, 'p90')), raw: (g) => dist(g.session_time_ms, 'p90') },
  { header: 'compl. p50', id: 'completions_median', text: (g) => num(dist(g.completions_per_session, 'median')), raw: (g) => dist(g.completions_per_session, 'median') },
  { header: 'compl. p90', id: 'completions_p90', text: (g) => num(dist(g.completions_per_session, 'p90')), raw: (g) => dist(g.completions_per_session, 'p90') },
  { header: 'tokens', id: 'total_tokens', text: (g) => num(g.usage.total_tokens), raw: (g) => g.usage.total_tokens },
];

/** The compared columns (one per run × harness × model). */
export const COMPARE_COLUMN_COLUMNS: Array<Column<CompareColumn>> = [
  { header: 'column', id: 'name', text: (c) => `${c.name}${c.baseline ? ' (baseline)' : ''}`, raw: (c) => c.name, numeric: false },
  { header: 'resolved', id: 'resolved', text: (c) => num(c.resolved), raw: (c) => c.resolved },
  { header: 'rate', id: 'rate', text: (c) => pct(c.rate), raw: (c) => c.rate },
];

/** One row per compared pair. */
export function pairColumns(cmp: Pick<Comparison, 'alpha'>): Array<Column<ComparePair>> {
  return [
    { header: 'reference', id: 'reference', text: (p) => p.reference, raw: (p) => p.reference, numeric: false },
    { header: 'other', id: 'other', text: (p) => p.other, raw: (p) => p.other, numeric: false },
    { header: 'shared', id: 'shared', text: (p) => num(p.shared), raw: (p) => p.shared },
    { header: 'both', id: 'both', text: (p) => num(p.both), raw: (p) => p.both },
    { header: 'lost', id: 'lost', text: (p) => num(p.lost), raw: (p) => p.lost },
    { header: 'gained', id: 'gained', text: (p) => num(p.gained), raw: (p) => p.gained },
    { header: 'diff (95% CI)', id: 'diff', text: (p) => `${signedPct(p.diff)} (${signedPct(p.diff_ci95.low)}…${signedPct(p.diff_ci95.high)})`, raw: (p) => p.diff },
    { header: 'McNemar p', id: 'mcnemar_p', text: (p) => formatP(p.mcnemar_p), raw: (p) => p.mcnemar_p },
    { header: 'verdict', id: 'significant', text: (p) => (p.significant ? `significant (p<${cmp.alpha})` : 'within noise'), raw: (p) => String(p.significant), numeric: false },
  ];
}

/** `+4.0 pp`-style signed percentage points. */
export function signedPct(d: number): string {
  const v = (d * 100).toFixed(1);
  return `${d > 0 ? '+' : ''}${v === '-0.0' ? '0.0' : v}pp`;
}

/** p-values: 4 significant digits, `<1e-6` below that. */
export function formatP(p: number): string {
  return p < 1e-6 ? '<1e-6' : p >= 0.9999 ? '1' : p.toPrecision(4).replace(/\.?0+$/, '');
}
