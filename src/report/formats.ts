// The registry of output formats shared by `report` and `compare`: one file per renderer, one table here.
import { ConfigError } from '../errors.js';
import type { Comparison } from './compare.js';
import { renderCompareCsv, renderReportCsv } from './render-csv.js';
import { renderHtml } from './render-html.js';
import { renderJson } from './render-json.js';
import { renderJunit } from './render-junit.js';
import { renderCompareMarkdown, renderReportMarkdown } from './render-markdown.js';
import { renderCompareTable, renderReportTable } from './render-table.js';
import type { RunReport, SessionRow } from './types.js';

export interface RenderContext {
  /** ANSI colours (a TTY without NO_COLOR). @default false */
  color: boolean;
  /** The run directory relative to where the output will be read (HTML links). @default '' */
  linkBase: string;
  /** HTML: the viewer's page for a session, relative to the output (set when the viewer site is written). */
  sessionHref?: (row: SessionRow) => string;
  /** HTML: the viewer's comparison page for an instance, or null when it has none. */
  compareHref?: (instanceId: string) => string | null;
}

export interface ReportFormat {
  description: string;
  report(report: RunReport, ctx: RenderContext): string;
  /** Absent when the format has no comparison view. */
  compare?(cmp: Comparison, ctx: RenderContext): string;
}

export const REPORT_FORMATS = {
  table: { description: 'aligned text tables (the default)', report: renderReportTable, compare: renderCompareTable },
  json: { description: 'stable JSON (schema_version 1)', report: (r) => renderJson(r), compare: (c) => renderJson(c) },
  markdown: { description: 'GitHub-flavoured Markdown', report: (r) => renderReportMarkdown(r), compare: (c) => renderCompareMarkdown(c) },
  csv: { description: 'CSV, one row per harness × model (compare: per pair)', report: (r) => renderReportCsv(r), compare: (c) => renderCompareCsv(c) },
  html: { description: 'one self-contained HTML page with charts', report: renderHtml },
  junit: { description: 'JUnit XML, one test case per session', report: (r) => renderJunit(r) },
} satisfies Record<string, ReportFormat>;

export type ReportFormatName = keyof typeof REPORT_FORMATS;

/** Looks a format up by name, for `what` ('report' or 'compare'), with a ConfigError listing the valid ones. */
export function getFormat(name: string, what: 'report' | 'compare', flag = '--format'): ReportFormat {
  const formats: Record<string, ReportFormat> = REPORT_FORMATS;
  const valid = Object.keys(formats).filter((k) => what === 'report' || formats[k]!.compare);
  const format = Object.hasOwn(formats, name) ? formats[name] : undefined;
  if (!format || !valid.includes(name)) {
    throw new ConfigError(`unknown ${what} format "${name}"`, { source: flag, hint: `Valid formats: ${valid.join(', ')}.` });
  }
  return format;
}
