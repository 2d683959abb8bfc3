// One session's page, rendered server-side into static HTML: header with the phase waterfall, the conversation of
// records.jsonl (every completion, other chains indented), the patch, the grading, links to the raw files.
import type { SesFile } from '../../run/ses-file.js';
import { SESSION_PHASES } from '../../run/ses-file.js';
import { attr, esc, foldable, ms, page, renderDiff, runLink } from './assets.js';
import { contentText, type ConversationTurn } from './conversation.js';
import type { ChatMessage } from '../../gateway/protocols/types.js';

/** What a session page is made from (site.ts reads the files). */
export interface SessionPageInput {
  ses: SesFile;
  /** The ses file relative to the run directory. */
  file: string;
  turns: ConversationTurn[];
  /** Last lines of eval/test_output.txt, when it exists. */
  testOutputTail: string | null;
  /** The run directory relative to the page; and the links back to the run page and the comparison page. */
  runBase: string;
  indexHref: string;
  compareHref: string | null;
  refreshSeconds?: number;
}

export function renderSessionPage(input: SessionPageInput): string {
  const { ses } = input;
  const title = `${ses.instance_id} · ${ses.harness.name} · ${ses.model.name} #${ses.sample_index}`;
  const body = [
    `<p class="meta"><a href="${attr(input.indexHref)}">← run ${esc(ses.run_id)}</a>${input.compareHref ? ` · <a href="${attr(input.compareHref)}">compare this instance</a>` : ''}</p>`,
    `<h1>${esc(title)}</h1>`,
    header(ses),
    toolbar(),
    `<h2 class="section" id="conversation">Conversation (${input.turns.length} completion(s))</h2>`,
    conversation(input.turns),
    `<h2 class="section" id="patch">Patch</h2>`,
    renderDiff(ses.patch),
    `<h2 class="section" id="grading">Grading</h2>`,
    grading(ses, input.testOutputTail),
    `<h2 id="files">Raw files</h2>`,
    rawFiles(ses, input.file, input.runBase),
  ];
  return page(title, body.join('\n'), { refreshSeconds: input.refreshSeconds });
}

function header(ses: SesFile): string {
  const status = ses.resolved ? `<b class="ok">resolved</b>` : ses.error_class ? `<b class="bad">${esc(ses.error_class)}</b>` : `<b class="warn">not resolved</b>`;
  const rows: Array<[string, string]> = [
    ['instance', esc(ses.instance_id)],
    ['harness', `${esc(ses.harness.name)} ${esc(ses.harness.version)}`],
    ['model', `${esc(ses.model.name)} (upstream ${esc(ses.model.upstream)})`],
    ['status', `${esc(ses.status)} · ${status} · reward ${ses.reward}`],
    ['completions', `${ses.record_count}${ses.compactions ? ` (${ses.compactions} compaction(s))` : ''}${ses.nudges.length ? `, ${ses.nudges.length} nudge(s)` : ''}`],
    ['tokens', `${ses.usage.prompt_tokens} prompt + ${ses.usage.completion_tokens} completion = ${ses.usage.total_tokens}`],
    ['time', `${ms(ses.run_ms)} (${esc(ses.started_at)} → ${esc(ses.finished_at)})`],
  ];
  if (ses.error) rows.push(['error', `<span class="bad is-error">${esc(ses.error)}</span>${ses.failed_phase ? ` (in phase ${esc(ses.failed_phase)})` : ''}`]);
  if (ses.diagnosis) {
    const d = ses.diagnosis;
    rows.push(['diagnosis', `<pre>${esc(d.gateway)}</pre>${d.harness ? `<pre>${esc(d.harness)}</pre>` : ''}${d.agent_output_tail ? foldable(d.agent_output_tail, { label: 'agent output tail', maxLines: 8 }) : ''}`]);
  }
  return `<table>${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>
<p class="meta">Phases</p>${waterfall(ses)}`;
}

/** The phases of timings_ms laid end to end on one bar, each as wide as its share of the session. */
function waterfall(ses: SesFile): string {
  const total = SESSION_PHASES.reduce((a, p) => a + ses.timings_ms[p], 0) || 1;
  let at = 0;
  const spans = SESSION_PHASES.map((p) => {
    const v = ses.timings_ms[p];
    const left = (at / total) * 100;
    at += v;
    return v > 0 ? `<span class="p-${p}" style="left:${left.toFixed(2)}%;width:${((v / total) * 100).toFixed(2)}%" title="${p}: ${ms(v)}">${p} ${ms(v)}</span>` : '';
  });
  const legend = SESSION_PHASES.map((p) => `${p} ${ms(ses.timings_ms[p])}`).join(' · ');
  return `<div class="waterfall">${spans.join('')}</div><p class="meta">${legend}</p>`;
}

function toolbar(): string {
  return `<div class="bar"><input id="q" type="search" placeholder="search this session (/)" aria-label="search this session"><span id="qinfo" class="meta"></span>
<span class="meta"><kbd>/</kbd> search <kbd>n</kbd>/<kbd>N</kbd> next/prev match <kbd>t</kbd>/<kbd>T</kbd> tool call <kbd>e</kbd>/<kbd>E</kbd> error <kbd>j</kbd>/<kbd>k</kbd> completion</span>
<a href="#patch">patch</a><a href="#grading">grading</a></div>`;
}

function conversation(turns: ConversationTurn[]): string {
  if (turns.length === 0) return '<p class="meta">No completion was recorded.</p>';
  return turns.map(completion).join('\n');
}

function completion(t: ConversationTurn): string {
  const main = t.chain_id === 'main';
  const cls = ['completion', main ? '' : 'other', t.status === 'error' ? 'error is-error' : ''].filter(Boolean).join(' ');
  const head = [
    `<b>#${t.seq}</b>`,
    `<span class="chip">${esc(t.chain_id)}</span>`,
    t.kind !== 'turn' ? `<span class="chip">${esc(t.kind)}</span>` : '',
    `turn ${t.turn}`,
    t.usage ? `${t.usage.prompt} → ${t.usage.completion} tokens` : '',
    `${ms(t.total_ms)}${t.ttft_ms !== null ? ` (first token ${ms(t.ttft_ms)})` : ''}`,
    t.attempts > 1 ? `<span class="warn">${t.attempts} attempts</span>` : '',
    t.reply?.finish_reason ? `finish: ${esc(t.reply.finish_reason)}` : '',
  ].filter(Boolean);
  const parts = [`<div class="chead">${head.join(' ')}</div>`];
  parts.push(...incoming(t));
  if (t.error) parts.push(`<div class="msg"><span class="bad">error: ${esc(t.error)}</span></div>`);
  if (t.reply) parts.push(reply(t.reply));
  return `<div class="${cls}" id="c${t.seq}" data-seq="${t.seq}">${parts.join('')}</div>`;
}

function incoming(t: ConversationTurn): string[] {
  const out: string[] = [];
  for (const m of t.incoming) {
    const text = contentText(m.content);
    if (m.role === 'system' || m.role === 'developer') {
      out.push(`<details class="msg"><summary>${m.role} prompt (${text.length} chars)</summary><pre>${esc(text)}</pre></details>`);
    } else if (m.role === 'tool') {
      out.push(`<div class="msg tool-result"><div class="role">tool result${m.tool_call_id ? ` · <span class="id">${esc(m.tool_call_id)}</span>` : ''}</div>${foldable(text, { label: 'tool output' })}</div>`);
    } else if (m.role === 'user') {
      out.push(`<div class="msg user"><div class="role">user</div>${foldable(text, { label: 'user message', maxLines: 40, maxChars: 6000 })}</div>`);
    } else if (m.role === 'assistant' && t.reset) {
      // earlier assistant turns of a context that does not extend this chain's previous request (after a compaction)
      out.push(`<details class="msg assistant"><summary>earlier assistant message (${text.length} chars${m.tool_calls?.length ? `, ${m.tool_calls.length} tool call(s)` : ''})</summary><pre>${esc(text)}</pre></details>`);
    }
  }
  return out;
}

function reply(r: NonNullable<ConversationTurn['reply']>): string {
  const parts: string[] = ['<div class="msg assistant"><div class="role">assistant</div>'];
  if (r.reasoning) parts.push(`<details><summary>reasoning (${r.reasoning.length} chars)</summary><pre>${esc(r.reasoning)}</pre></details>`);
  if (r.content) parts.push(foldable(r.content, { label: 'reply', maxLines: 60, maxChars: 8000 }));
  for (const c of r.tool_calls) parts.push(`<div class="tool-call"><span class="name">${esc(c.name)}</span> <span class="meta">${esc(c.id)}</span>${foldable(prettyArgs(c.arguments), { label: 'arguments', maxLines: 40 })}</div>`);
  parts.push('</div>');
  return parts.join('');
}

/** Tool arguments as indented JSON when they parse, with string values' newlines shown as lines. */
function prettyArgs(args: string): string {
  try {
    const v = JSON.parse(args) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.entries(v as Record<string, unknown>)
        .map(([k, x]) => `${k}: ${typeof x === 'string' ? (x.includes('\n') ? `\n${x}` : x) : JSON.stringify(x, null, 2)}`)
        .join('\n');
    }
    return JSON.stringify(v, null, 2);
  } catch {
    return args;
  }
}

function grading(ses: SesFile, tail: string | null): string {
  const report = ses.trajectory.metadata.evaluation.report;
  if (!report) return `<p class="meta">Not evaluated${ses.patch_extracted ? '' : ' (no patch was extracted)'}.</p>${tail ? foldable(tail, { label: 'test output tail' }) : ''}`;
  const flags = `<p>patch applied: ${report.patch_successfully_applied ? '<span class="ok">yes</span>' : '<span class="bad is-error">no</span>'} · resolved: ${report.resolved ? '<b class="ok">yes</b>' : '<b class="bad">no</b>'}${report.empty_generation ? ' · empty patch' : ''}</p>`;
  const rows: string[] = [];
  const ts = report.tests_status;
  if (ts) {
    for (const kind of ['FAIL_TO_PASS', 'PASS_TO_PASS', 'FAIL_TO_FAIL', 'PASS_TO_FAIL'] as const) {
      for (const name of ts[kind].success) rows.push(`<tr class="test"><td>${kind}</td><td><pre>${esc(name)}</pre></td><td class="ok">PASSED</td></tr>`);
      for (const name of ts[kind].failure) rows.push(`<tr class="test is-error"><td>${kind}</td><td><pre>${esc(name)}</pre></td><td class="bad">FAILED</td></tr>`);
    }
  }
  const table = rows.length ? `<table><thead><tr><th>set</th><th>test</th><th>status</th></tr></thead><tbody>${rows.join('')}</tbody></table>` : '<p class="meta">No per-test status (tests did not run).</p>';
  return `${flags}${table}${tail ? `<h3>Test output (tail)</h3>${foldable(tail, { label: 'test output tail', maxLines: 40 })}` : ''}`;
}

function rawFiles(ses: SesFile, file: string, base: string): string {
  const a = (label: string, p: string | null) => (p ? `<a href="${attr(runLink(base, p))}">${esc(label)}</a>` : '');
  const eval_ = ses.artifacts.eval_dir;
  return `<p>${[
    a('ses file', file), a('records.jsonl', ses.artifacts.records), a('agent.log', ses.artifacts.agent_log), a('patch.diff', ses.artifacts.patch),
    a('eval/report.json', eval_ && `${eval_}/report.json`), a('eval/test_output.txt', eval_ && `${eval_}/test_output.txt`), a('eval/eval.sh', eval_ && `${eval_}/eval.sh`),
  ].filter(Boolean).join(' · ')}</p>`;
}

export type { ChatMessage };
