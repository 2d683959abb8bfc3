// The replay model: serves the completions recorded by the gateway (records.jsonl) in order, so a
// session can be re-run deterministically without a GPU. Also accepts raw `chat.completion` lines.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../errors.js';
import { isObject, type Json } from '../protocols/body-fields.js';
import type { ChatUsage } from '../protocols/types.js';
import type { ModelPolicy, ModelReply, ModelServerOptions } from './types.js';

/** Answer once a session has used up its recorded completions. */
export const REPLAY_EXHAUSTED = 'replay exhausted';

/** One recorded completion, with where it came from. */
export interface ReplayEntry {
  reply: ModelReply;
  sessionId?: string;
  instanceId?: string;
  source: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function toolCallsOf(raw: unknown, where: string): Array<{ id: string; name: string; arguments: string }> {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new Error(`${where}.tool_calls: expected an array`);
  return raw.map((tc, i) => {
    const fn = isObject(tc) && isObject(tc.function) ? tc.function : tc;
    const name = isObject(fn) ? str(fn.name) : undefined;
    const args = isObject(fn) ? fn.arguments : undefined;
    if (!isObject(tc) || !name) throw new Error(`${where}.tool_calls[${i}]: expected {id, name, arguments} or {id, function:{name, arguments}}`);
    return { id: str(tc.id) ?? `call_replay_${i}`, name, arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) };
  });
}

function replyOf(content: unknown, reasoning: unknown, toolCalls: unknown, finish: unknown, usage: unknown, where: string): ModelReply {
  const tool_calls = toolCallsOf(toolCalls, where);
  const fr = str(finish) ?? (tool_calls.length > 0 ? 'tool_calls' : 'stop');
  if (fr !== 'stop' && fr !== 'tool_calls' && fr !== 'length') throw new Error(`${where}.finish_reason: "${fr}" is not stop, tool_calls or length`);
  const reply: ModelReply = { content: str(content) ?? '', finish_reason: fr, tool_calls };
  const r = str(reasoning);
  if (r) reply.reasoning = r;
  if (isObject(usage) && typeof usage.prompt_tokens === 'number') reply.usage = usage as unknown as ChatUsage;
  return reply;
}

/** Parses one line: a gateway record (`response: {...}`) or a `chat.completion`; null for failed records. */
export function parseReplayLine(line: unknown): Omit<ReplayEntry, 'source'> | null {
  if (!isObject(line)) throw new Error('expected a JSON object');
  const meta = isObject(line.meta) ? line.meta : {};
  const ids = {
    sessionId: str(line.session_id) ?? str(meta.session_id),
    instanceId: str(line.instance_id) ?? str(meta.instance_id),
  };
  if (Array.isArray(line.choices)) {
    const choice = line.choices[0];
    if (!isObject(choice) || !isObject(choice.message)) throw new Error('choices[0].message: expected an object');
    const m = choice.message;
    return { ...ids, reply: replyOf(m.content, m.reasoning_content ?? m.reasoning, m.tool_calls, choice.finish_reason, line.usage, 'choices[0].message') };
  }
  if (isObject(line.response)) {
    const r = line.response;
    return { ...ids, reply: replyOf(r.content, r.reasoning, r.tool_calls, r.finish_reason, r.usage, 'response') };
  }
  if ('response' in line || 'status' in line || 'error' in line) return null;
  throw new Error('expected a gateway record with a "response" object, or a chat.completion object with "choices"');
}

async function recordFiles(target: string): Promise<string[]> {
  const st = await stat(target).catch((cause: unknown) => {
    throw new ConfigError(`cannot read ${target}`, { source: '--replay', hint: 'Pass a records.jsonl file or a directory that contains records.jsonl files.', cause });
  });
  if (!st.isDirectory()) return [target];
  const entries = await readdir(target, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && e.name === 'records.jsonl')
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
  if (files.length === 0) throw new ConfigError(`no records.jsonl under ${target}`, { source: '--replay' });
  return files;
}

/** Loads recorded completions from a records.jsonl file or a directory of them, in file then line order. */
export async function loadReplayEntries(target: string): Promise<ReplayEntry[]> {
  const out: ReplayEntry[] = [];
  for (const file of await recordFiles(target)) {
    const lines = (await readFile(file, 'utf8')).split('\n');
    // A line without a session id belongs to the previous line's session (else to the file).
    let session = file;
    lines.forEach((text, i) => {
      if (!text.trim()) return;
      let entry: Omit<ReplayEntry, 'source'> | null;
      try {
        entry = parseReplayLine(JSON.parse(text));
      } catch (err) {
        throw new ConfigError((err as Error).message, {
          source: file,
          path: `line ${i + 1}`,
          hint: 'Each line must be a gateway record or a chat.completion object.',
        });
      }
      if (!entry) return;
      session = entry.sessionId ?? session;
      out.push({ ...entry, sessionId: session, source: `${file}:${i + 1}` });
    });
  }
  return out;
}

/**
 * Creates the replay policy. Requests without a session id share one cursor over all entries. Each live
 * session is bound to one recorded session (same instance id when possible, least-used first, so one
 * recording serves every live session) and walks its completions in order.
 */
export async function createReplayPolicy(opts: Pick<ModelServerOptions, 'replayFile' | 'logger'>): Promise<ModelPolicy> {
  if (!opts.replayFile) throw new ConfigError('the replay model needs a records file', { source: '--replay', hint: 'Pass --replay <records.jsonl|dir>.' });
  const entries = await loadReplayEntries(opts.replayFile);
  const recorded = new Map<string, ReplayEntry[]>();
  for (const e of entries) {
    const list = recorded.get(e.sessionId!);
    if (list) list.push(e);
    else recorded.set(e.sessionId!, [e]);
  }
  const sessions = [...recorded.entries()].map(([key, list]) => ({ key, list, instanceId: list.find((e) => e.instanceId)?.instanceId, uses: 0 }));
  const cursors = new Map<string, { list: ReplayEntry[]; pos: number }>();
  opts.logger?.debug(`replay: ${entries.length} completions in ${sessions.length} recorded sessions from ${opts.replayFile}`);

  const bind = (sessionKey: string, instanceId: string | undefined): { list: ReplayEntry[]; pos: number } => {
    if (sessionKey === 'global') return { list: entries, pos: 0 };
    const matching = sessions.filter((s) => instanceId !== undefined && s.instanceId === instanceId);
    const pool = matching.length > 0 ? matching : sessions;
    const chosen = pool.reduce<(typeof sessions)[number] | undefined>((best, s) => (!best || s.uses < best.uses ? s : best), undefined);
    if (!chosen) return { list: [], pos: 0 };
    chosen.uses++;
    return { list: chosen.list, pos: 0 };
  };

  return {
    respond(req) {
      let cursor = cursors.get(req.sessionKey);
      if (!cursor) cursors.set(req.sessionKey, (cursor = bind(req.sessionKey, req.instanceId)));
      const entry = cursor.list[cursor.pos];
      if (!entry) return { reply: { content: REPLAY_EXHAUSTED, finish_reason: 'stop' } };
      cursor.pos++;
      return { reply: entry.reply };
    },
  };
}
