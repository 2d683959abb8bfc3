// Reads a session's records.jsonl once, line by line, and keeps only what the ses file and the diagnosis need:
// counts, error kinds, the first request time and the last completions (never the whole file in memory).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { RECORD_CHAINS, type RecordChain } from '../gateway/chains.js';
import type { CompletionRecord } from '../gateway/records.js';
import type { SesChains, SesTokens } from './ses-file.js';

export interface RecordsDigest {
  /** Records that parsed. */
  count: number;
  /** Lines that did not parse (a crash mid-write). */
  unreadable: number;
  /** Records with status 'error', by error kind. */
  errorKinds: Record<string, number>;
  errors: number;
  /** Records of kind `compaction` (the harness summarising its own context). */
  compactions: number;
  /** Arrival time of the first request (ms since epoch), or null. */
  firstStartMs: number | null;
  /** The last record of any kind, and the last `turn` record (the agent's own conversation). */
  last: CompletionRecord | null;
  lastTurn: CompletionRecord | null;
  /** Sum over every upstream attempt that reported usage. */
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  /** Records per chain (records written before chains existed count as `main` turns or their kind). */
  chains: SesChains;
  /** The token summary of the ses file; its `records` is 0 when no record had token ids. */
  tokens: SesTokens;
  /** Distinct `weight_version`s in order of first use. */
  weightVersions: Array<string | number>;
}

/** An empty digest (no records file: the harness never called the gateway). */
export function emptyDigest(): RecordsDigest {
  return {
    count: 0, unreadable: 0, errorKinds: {}, errors: 0, compactions: 0, firstStartMs: null, last: null, lastTurn: null,
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    chains: { main: 0, subagent: 0, compaction: 0, title: 0, auxiliary: 0 },
    tokens: { records: 0, missing: 0, prefix: { first: 0, extends: 0, diverges: 0, reset: 0 }, first_divergence: null },
    weightVersions: [],
  };
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Folds one record into a digest (exported for tests). */
export function addRecord(d: RecordsDigest, rec: CompletionRecord): void {
  d.count++;
  const start = Date.parse(rec.timings?.start ?? '');
  if (Number.isFinite(start)) d.firstStartMs = d.firstStartMs === null ? start : Math.min(d.firstStartMs, start);
  if (rec.status === 'error') {
    d.errors++;
    const kind = rec.error?.kind ?? 'unknown';
    d.errorKinds[kind] = (d.errorKinds[kind] ?? 0) + 1;
  }
  for (const a of rec.attempts ?? []) {
    d.usage.prompt_tokens += num(a.usage?.prompt_tokens);
    d.usage.completion_tokens += num(a.usage?.completion_tokens);
    d.usage.total_tokens += num(a.usage?.total_tokens);
  }
  if (rec.kind === 'compaction') d.compactions++;
  d.chains[chainOfRecord(rec)]++;
  addTokens(d, rec);
  if (rec.weight_version !== undefined && rec.weight_version !== null && !d.weightVersions.includes(rec.weight_version)) d.weightVersions.push(rec.weight_version);
  d.last = rec;
  if (rec.kind === 'turn' || rec.kind === undefined) d.lastTurn = rec;
}

function chainOfRecord(rec: CompletionRecord): RecordChain {
  if ((RECORD_CHAINS as readonly string[]).includes(rec.chain)) return rec.chain;
  return rec.kind === 'turn' || rec.kind === undefined ? 'main' : rec.kind;
}

function addTokens(d: RecordsDigest, rec: CompletionRecord): void {
  const t = d.tokens;
  if (!rec.tokens) {
    if (rec.status === 'ok') t.missing++;
    return;
  }
  t.records++;
  const p = rec.prefix;
  if (!p) return void t.prefix.first++;
  t.prefix[p.verdict]++;
  if (p.verdict === 'diverges' && p.mismatch_at !== null && (t.first_divergence === null || rec.seq < t.first_divergence.seq)) {
    t.first_divergence = { seq: rec.seq, chain_id: rec.chain_id, mismatch_at: p.mismatch_at };
  }
}

/** Digests a records.jsonl file; a missing file is an empty digest. */
export async function digestRecords(file: string): Promise<RecordsDigest> {
  const d = emptyDigest();
  const exists = await stat(file).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    },
  );
  if (!exists) return d;
  for await (const line of createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity })) {
    if (!line.trim()) continue;
    let rec: CompletionRecord;
    try {
      rec = JSON.parse(line) as CompletionRecord;
    } catch {
      d.unreadable++;
      continue;
    }
    if (rec && typeof rec === 'object') addRecord(d, rec);
    else d.unreadable++;
  }
  return d;
}

/** True when the record is a successful completion with text and no tool call (the agent chose to stop talking). */
export function isTextOnly(rec: CompletionRecord | null): boolean {
  return !!rec && rec.status === 'ok' && !!rec.response && (rec.response.tool_calls?.length ?? 0) === 0;
}

/** The conversation as the gateway saw it: the last turn's upstream (chat) messages plus the answer. */
export function trajectoryMessages(rec: CompletionRecord | null): unknown[] {
  if (!rec) return [];
  const req = rec.upstream_request as { messages?: unknown } | null;
  const messages = Array.isArray(req?.messages) ? [...(req.messages as unknown[])] : [];
  const r = rec.response;
  if (r) {
    const msg: Record<string, unknown> = { role: 'assistant', content: r.content };
    if (r.reasoning) msg.reasoning_content = r.reasoning;
    if (r.tool_calls?.length) {
      msg.tool_calls = r.tool_calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
    }
    messages.push(msg);
  }
  return messages;
}
