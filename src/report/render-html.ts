// One self-contained HTML page (inline CSS and SVG, no script, a CSP that forbids any fetch): resolve-rate bars with
// confidence intervals, error classes, session times, a per-instance grid and links to every ses file and artifact.
import { GROUP_COLUMNS, duration, pct } from './columns.js';
import type { RenderContext } from './formats.js';
import type { CellOutcome, GroupReport, RunReport, SessionRow } from './types.js';

/** Colours per error class (stable across reports) and per grid outcome. */
const CLASS_COLORS: Record<string, string> = {
  none: '#2e7d32', no_completions: '#6d4c41', early_exit_text_only: '#8d6e63', agent_crash: '#c62828', agent_timeout: '#ef6c00',
  idle_timeout: '#f9a825', completion_cap: '#9e9d24', context_length_exceeded: '#5e35b1', upstream_error: '#1565c0',
  patch_apply_failed: '#ad1457', eval_error: '#37474f', eval_timeout: '#546e7a', infra_error: '#000000',
};
const OUTCOME: Record<CellOutcome, { mark: string; title: string }> = {
  resolved: { mark: '✓', title: 'resolved' },
  unresolved: { mark: '✗', title: 'unresolved' },
  error: { mark: '!', title: 'error (infra or ERROR status)' },
  missing: { mark: '–', title: 'no session' },
};

const CSS = `
:root{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1b1b1b;background:#fff}
body{margin:24px auto;max-width:1200px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;font-size:13px}
table{border-collapse:collapse;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
th{background:#f5f5f5;position:sticky;top:0}td.l,th.l{text-align:left}
.grid td{text-align:center;padding:2px 6px}.grid td.id{text-align:left;font-family:ui-monospace,monospace}
.o-resolved{background:#c8e6c9}.o-unresolved{background:#ffcdd2}.o-error{background:#ffe0b2}.o-missing{background:#eceff1;color:#90a4ae}
.grid a{color:inherit;text-decoration:none;display:block}
.legend span{display:inline-block;margin-right:12px;font-size:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
.err{max-width:420px;overflow:hidden;text-overflow:ellipsis;text-align:left}
svg text{font-size:12px;fill:#1b1b1b}
a{color:#1565c0}
`;

/** `swebench report --format html`. `ctx.linkBase` is the run directory relative to where the page will live. */
export function renderHtml(report: RunReport, ctx: RenderContext): string {
  const title = `SWE-bench run ${report.run.run_id ?? report.run.dir}`;
  const body = [
    `<h1>${esc(title)}</h1>`,
    `<p class="meta">${esc(report.run.dir)} · ${report.run.tasks} task(s) · ${report.totals.sessions} session(s)` +
      `${report.run.started_at ? ` · ${esc(report.run.started_at)} → ${esc(report.run.finished_at ?? '…')}` : ''}</p>`,
  ];
  if (report.groups.length === 0) {
    body.push('<p>No sessions found.</p>');
  } else {
    body.push('<h2>Resolve rate</h2>', rateBars(report.groups), summaryTable(report.groups));
    body.push('<h2>Sessions by error class</h2>', classBars(report.groups), legend(Object.keys(report.groups[0]!.error_classes), report.groups));
    body.push('<h2>Session time</h2>', timeStrips(report));
    body.push('<h2>Instances</h2>', instanceGrid(report, ctx));
    body.push('<h2>Sessions</h2>', sessionTable(report.sessions, ctx));
  }
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
${body.join('\n')}
</body></html>
`;
}

/** Horizontal bars: resolve rate over all tasks with its Wilson 95% whisker; a tick for the rate excluding infra errors. */
function rateBars(groups: GroupReport[]): string {
  const labelW = 260;
  const w = 600;
  const rowH = 28;
  const h = groups.length * rowH + 30;
  const x = (r: number) => labelW + r * w;
  const rows = groups.map((g, i) => {
    const y = 10 + i * rowH;
    const ci = g.resolve_rate_ci95;
    const ex = g.resolve_rate_excluding_infra;
    return [
      `<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${esc(g.key)}</text>`,
      `<rect x="${labelW}" y="${y + 3}" width="${(g.resolve_rate * w).toFixed(1)}" height="16" fill="#43a047"><title>${esc(`${g.key}: ${pct(g.resolve_rate)} (95% CI ${pct(ci.low)}–${pct(ci.high)})`)}</title></rect>`,
      `<line x1="${x(ci.low).toFixed(1)}" x2="${x(ci.high).toFixed(1)}" y1="${y + 11}" y2="${y + 11}" stroke="#1b1b1b" stroke-width="1.5"/>`,
      `<line x1="${x(ci.low).toFixed(1)}" x2="${x(ci.low).toFixed(1)}" y1="${y + 6}" y2="${y + 16}" stroke="#1b1b1b"/>`,
      `<line x1="${x(ci.high).toFixed(1)}" x2="${x(ci.high).toFixed(1)}" y1="${y + 6}" y2="${y + 16}" stroke="#1b1b1b"/>`,
      ex === null ? '' : `<line x1="${x(ex).toFixed(1)}" x2="${x(ex).toFixed(1)}" y1="${y + 1}" y2="${y + 21}" stroke="#1565c0" stroke-width="2" stroke-dasharray="3 2"><title>excluding infra errors: ${pct(ex)}</title></line>`,
      `<text x="${(x(Math.max(ci.high, g.resolve_rate)) + 6).toFixed(1)}" y="${y + 15}">${pct(g.resolve_rate)}</text>`,
    ].join('');
  });
  const axis = [0, 0.25, 0.5, 0.75, 1]
    .map((t) => `<line x1="${x(t)}" x2="${x(t)}" y1="6" y2="${h - 18}" stroke="#ddd"/><text x="${x(t)}" y="${h - 4}" text-anchor="middle">${t * 100}%</text>`)
    .join('');
  return `<svg role="img" aria-label="resolve rate per harness and model" width="${labelW + w + 80}" height="${h}" viewBox="0 0 ${labelW + w + 80} ${h}">${axis}${rows.join('')}</svg>
<p class="meta">Bars: resolve rate over all tasks, whisker: Wilson 95% interval, dashed blue tick: rate excluding infra errors.</p>`;
}

function summaryTable(groups: GroupReport[]): string {
  const head = GROUP_COLUMNS.map((c) => `<th class="${c.numeric === false ? 'l' : ''}">${esc(c.header)}</th>`).join('');
  const rows = groups.map((g) => `<tr>${GROUP_COLUMNS.map((c) => `<td class="${c.numeric === false ? 'l' : ''}">${esc(c.text(g))}</td>`).join('')}</tr>`);
  const official = groups.map((g) => {
    const o = g.official;
    return `<li><b>${esc(g.key)}</b>: ${o.resolved_instances}/${o.total_instances} resolved, ${o.unresolved_instances} unresolved, ${o.empty_patch_instances} empty patch, ${o.error_instances} error, ${o.incomplete_ids.length} incomplete</li>`;
  });
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>
<p class="meta">Official summary fields (SWE-bench report.json):</p><ul class="meta">${official.join('')}</ul>`;
}

/** One stacked bar per group: its sessions split by error class (`none` = no error class). */
function classBars(groups: GroupReport[]): string {
  const labelW = 260;
  const w = 600;
  const rowH = 26;
  const h = groups.length * rowH + 8;
  const rows = groups.map((g, i) => {
    const y = 4 + i * rowH;
    const total = g.sessions || 1;
    let at = labelW;
    const segs = Object.entries(g.error_classes)
      .filter(([, n]) => n > 0)
      .map(([cls, n]) => {
        const width = (n / total) * w;
        const seg = `<rect x="${at.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="18" fill="${CLASS_COLORS[cls] ?? '#999'}"><title>${esc(`${g.key}: ${cls} ${n} of ${g.sessions}`)}</title></rect>`;
        at += width;
        return seg;
      });
    return `<text x="${labelW - 8}" y="${y + 13}" text-anchor="end">${esc(g.key)}</text>${segs.join('')}<text x="${labelW + w + 6}" y="${y + 13}">${g.sessions}</text>`;
  });
  return `<svg role="img" aria-label="sessions by error class" width="${labelW + w + 60}" height="${h}" viewBox="0 0 ${labelW + w + 60} ${h}">${rows.join('')}</svg>`;
}

function legend(classes: string[], groups: GroupReport[]): string {
  const used = classes.filter((c) => groups.some((g) => g.error_classes[c as keyof GroupReport['error_classes']] > 0));
  const items = used.map((c) => {
    const counts = groups.map((g) => g.error_classes[c as keyof GroupReport['error_classes']]).join(' / ');
    return `<span><i style="background:${CLASS_COLORS[c] ?? '#999'}"></i>${esc(c === 'none' ? 'no error' : c)} (${counts})</span>`;
  });
  return `<p class="legend">${items.join('')}</p>`;
}

/** Per group, every session's run time as a dot on a shared axis, with the median and p90 marked. */
function timeStrips(report: RunReport): string {
  const labelW = 260;
  const w = 600;
  const rowH = 30;
  const maxMs = Math.max(1, ...report.sessions.map((s) => s.run_ms));
  const x = (ms: number) => labelW + (ms / maxMs) * w;
  const h = report.groups.length * rowH + 26;
  const rows = report.groups.map((g, i) => {
    const y = 8 + i * rowH + 10;
    const dots = report.sessions
      .filter((s) => s.group === g.key)
      .map((s, j) => `<circle cx="${x(s.run_ms).toFixed(1)}" cy="${y + ((j % 5) - 2) * 2}" r="3" fill="${s.resolved ? '#43a047' : '#e53935'}" fill-opacity="0.6"><title>${esc(`${s.instance_id} #${s.sample_index}: ${duration(s.run_ms)}`)}</title></circle>`);
    const mark = (v: number | null, color: string, name: string) =>
      v === null ? '' : `<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="${y - 10}" y2="${y + 10}" stroke="${color}" stroke-width="2"><title>${name} ${duration(v)}</title></line>`;
    return `<text x="${labelW - 8}" y="${y + 4}" text-anchor="end">${esc(g.key)}</text>${dots.join('')}${mark(g.session_time_ms.median, '#1b1b1b', 'median')}${mark(g.session_time_ms.p90, '#8e24aa', 'p90')}`;
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => `<text x="${x(t * maxMs)}" y="${h - 4}" text-anchor="middle">${esc(duration(t * maxMs))}</text>`).join('');
  return `<svg role="img" aria-label="session time distribution" width="${labelW + w + 60}" height="${h}" viewBox="0 0 ${labelW + w + 60} ${h}">${rows.join('')}${ticks}</svg>
<p class="meta">Dots: sessions (green resolved, red not); black tick: median; purple tick: p90.</p>`;
}

/** Rows = instances, columns = harness × model; each cell links to the instance's first ses file in that group. */
function instanceGrid(report: RunReport, ctx: RenderContext): string {
  const base = ctx.linkBase;
  const firstSes = new Map<string, SessionRow>();
  for (const s of report.sessions) if (!firstSes.has(`${s.group}\n${s.instance_id}`)) firstSes.set(`${s.group}\n${s.instance_id}`, s);
  const head = `<tr><th class="l">instance</th>${report.groups.map((g) => `<th>${esc(g.key)}</th>`).join('')}</tr>`;
  const rows = report.instances.map((inst) => {
    const cells = report.groups.map((g) => {
      const c = inst.cells[g.key] ?? { samples: 0, resolved: 0, outcome: 'missing' as const };
      const o = OUTCOME[c.outcome];
      const text = g.num_samples > 1 ? `${o.mark} ${c.resolved}/${c.samples}` : o.mark;
      const s = firstSes.get(`${g.key}\n${inst.instance_id}`);
      const href = s ? (ctx.sessionHref ? ctx.sessionHref(s) : link(base, s.file)) : null;
      const inner = href ? `<a href="${attr(href)}">${esc(text)}</a>` : esc(text);
      return `<td class="o-${c.outcome}" title="${attr(`${g.key}: ${o.title}`)}">${inner}</td>`;
    });
    const cmp = ctx.compareHref?.(inst.instance_id);
    const name = cmp ? `<a href="${attr(cmp)}" title="compare the sessions of this instance">${esc(inst.instance_id)}</a>` : esc(inst.instance_id);
    return `<tr><td class="id">${name}</td>${cells.join('')}</tr>`;
  });
  const key = (Object.keys(OUTCOME) as CellOutcome[]).map((k) => `<span><i class="o-${k}"></i>${OUTCOME[k].mark} ${OUTCOME[k].title}</span>`).join('');
  return `<p class="legend">${key}</p><table class="grid"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

function sessionTable(sessions: SessionRow[], ctx: RenderContext): string {
  const base = ctx.linkBase;
  const a = (label: string, p: string | null) => (p ? `<a href="${attr(link(base, p))}">${label}</a>` : '');
  const rows = sessions.map(
    (s) =>
      `<tr><td class="l">${esc(s.instance_id)}</td><td class="l">${esc(s.group)}</td><td>${s.sample_index}</td><td class="l">${esc(s.status)}</td>` +
      `<td class="l">${esc(s.error_class ?? '')}</td><td class="err" title="${attr(s.error ?? '')}">${esc(s.error ?? '')}</td>` +
      `<td>${s.resolved ? '✓' : ''}</td><td>${esc(duration(s.run_ms))}</td><td>${s.record_count}</td><td>${s.nudges || ''}</td><td>${s.compactions || ''}</td>` +
      `<td class="l">${[ctx.sessionHref ? `<a href="${attr(ctx.sessionHref(s))}">view</a>` : '', a('ses', s.file), a('agent log', s.artifacts.agent_log), a('patch', s.artifacts.patch), a('records', s.artifacts.records), a('eval', s.artifacts.eval_dir)].filter(Boolean).join(' · ')}</td></tr>`,
  );
  return `<table><thead><tr><th class="l">instance</th><th class="l">harness__model</th><th>sample</th><th class="l">status</th><th class="l">error_class</th><th class="l">error</th><th>resolved</th><th>time</th><th>completions</th><th>nudges</th><th>compactions</th><th class="l">files</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** A link from the page to a file of the run (paths in ses files are relative to the run directory, posix-style). */
function link(base: string, rel: string): string {
  const joined = base === '' || base === '.' ? rel : `${base.replace(/\/+$/, '')}/${rel}`;
  return joined.split('/').map(encodeURIComponent).join('/');
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return esc(s).replace(/"/g, '&quot;');
}
