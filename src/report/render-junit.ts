// JUnit XML for CI dashboards: one <testsuite> per harness × model, one <testcase> per session; an unresolved session
// is a <failure> whose message is `<error_class>: <error>`, a cancelled one is <skipped>.
import path from 'node:path';
import { writeFileAtomic } from '../fs-atomic.js';
import type { RunReport, SessionRow } from './types.js';

/** Renders the report as JUnit XML (the Surefire/Jenkins schema most CI systems read). */
export function renderJunit(report: RunReport): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const name = report.run.run_id ?? path.basename(report.run.dir);
  const failures = report.sessions.filter((s) => !s.resolved && s.status !== 'CANCELLED').length;
  const skipped = report.sessions.filter((s) => s.status === 'CANCELLED').length;
  const time = seconds(report.sessions.reduce((t, s) => t + s.run_ms, 0));
  out.push(`<testsuites name="${esc(`swebench ${name}`)}" tests="${report.sessions.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${time}">`);
  for (const g of report.groups) {
    const sessions = report.sessions.filter((s) => s.group === g.key);
    const f = sessions.filter((s) => !s.resolved && s.status !== 'CANCELLED').length;
    const sk = sessions.filter((s) => s.status === 'CANCELLED').length;
    const t = seconds(sessions.reduce((n, s) => n + s.run_ms, 0));
    out.push(`  <testsuite name="${esc(g.key)}" tests="${sessions.length}" failures="${f}" errors="0" skipped="${sk}" time="${t}">`);
    out.push('    <properties>');
    for (const [k, v] of [['harness', g.harness], ['harness_version', g.harness_version], ['model', g.model], ['upstream_model', g.upstream_model], ['resolve_rate', String(g.resolve_rate)]] as const) {
      out.push(`      <property name="${k}" value="${esc(v)}"/>`);
    }
    out.push('    </properties>');
    for (const s of sessions) out.push(...testcase(s, g.num_samples > 1));
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

function testcase(s: SessionRow, multi: boolean): string[] {
  const name = multi ? `${s.instance_id} [sample ${s.sample_index}]` : s.instance_id;
  const open = `    <testcase name="${esc(name)}" classname="${esc(s.group)}" time="${seconds(s.run_ms)}">`;
  const body: string[] = [];
  if (s.status === 'CANCELLED') {
    body.push(`      <skipped message="${esc(`cancelled${s.error ? `: ${s.error}` : ''}`)}"/>`);
  } else if (!s.resolved) {
    const cls = s.error_class ?? 'unresolved';
    const message = `${cls}: ${s.error ?? (s.empty_patch ? 'empty patch' : 'tests did not pass')}`;
    body.push(`      <failure message="${esc(message)}" type="${esc(cls)}">${escText(`status ${s.status}\n${message}`)}</failure>`);
  }
  body.push(`      <system-out>${escText(`session ${s.session_id} (${s.status}), ${s.record_count} completion(s)\nses file: ${s.file}\nagent log: ${s.artifacts.agent_log}`)}</system-out>`);
  return [open, ...body, '    </testcase>'];
}

/** Writes the JUnit file atomically (temp file + rename), creating its directory. */
export async function writeJunit(file: string, report: RunReport): Promise<void> {
  await writeFileAtomic(file, renderJunit(report), { mkdir: true });
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** XML 1.0 attribute escaping (newlines and tabs kept as character references). */
export function esc(text: string): string {
  return escText(text).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

/** XML 1.0 text escaping; characters XML cannot carry at all (most C0 controls, lone surrogates) become U+FFFD. */
export function escText(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}
