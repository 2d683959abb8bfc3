// `export --format atif`: one Harbor ATIF trajectory per session (Agent Trajectory Interchange Format, RFC 0001 of
// github.com/harbor-framework/harbor, models in src/harbor/models/trajectories/). The main chain is the root
// trajectory; every other chain kept by --chains (a sub-agent, compactions, titles, auxiliary calls) is embedded in
// `subagent_trajectories` with its chain id as `trajectory_id`. Steps follow the conversation: the first request's
// system and user messages, then one agent step per completion (text, reasoning, tool calls, token ids and logprobs
// in `metrics`), the tool results of the next request as that step's observation, and new user messages as user
// steps. When a request does not continue the conversation so far (a compaction rewrote it), a system step marks
// the boundary (ATIF's `context_management` convention) and the new request's messages follow, those already seen
// flagged `is_copied_context`. Harbor keeps a trial's trajectory at `<trial>/agent/trajectory.json`; so does `--out DIR`.
import type { RecordChain } from '../gateway/chains.js';
import type { CompletionRecord } from '../gateway/records.js';
import type { ChatMessage, ChatTool } from '../gateway/protocols/types.js';
import type { SesFile } from '../run/ses-file.js';
import { assistantMessage, isAnswered, requestOf, textOf } from './chat.js';
import { sessionReward } from './session-reward.js';
import { count, type ExportContext, type ExportFormat, type ExportSession } from './types.js';

/** The ATIF version written (the RFC's current version as verified; README "atif" says where from). */
export const ATIF_SCHEMA_VERSION = 'ATIF-v1.7';

export interface AtifToolCall {
  tool_call_id: string;
  function_name: string;
  arguments: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

export interface AtifObservationResult {
  source_call_id?: string;
  content?: string;
  extra?: Record<string, unknown>;
}

export interface AtifMetrics {
  prompt_tokens?: number;
  completion_tokens?: number;
  cached_tokens?: number;
  prompt_token_ids?: number[];
  completion_token_ids?: number[];
  logprobs?: number[];
  extra?: Record<string, unknown>;
}

export interface AtifStep {
  step_id: number;
  timestamp?: string;
  source: 'system' | 'user' | 'agent';
  model_name?: string;
  message: string;
  reasoning_content?: string;
  tool_calls?: AtifToolCall[];
  observation?: { results: AtifObservationResult[] };
  metrics?: AtifMetrics;
  is_copied_context?: boolean;
  llm_call_count?: number;
  extra?: Record<string, unknown>;
}

export interface AtifTrajectory {
  schema_version: typeof ATIF_SCHEMA_VERSION;
  session_id?: string;
  trajectory_id?: string;
  agent: { name: string; version: string; model_name?: string; tool_definitions?: ChatTool[]; extra?: Record<string, unknown> };
  steps: AtifStep[];
  notes?: string;
  final_metrics?: { total_prompt_tokens?: number; total_completion_tokens?: number; total_cached_tokens?: number; total_steps?: number };
  extra?: Record<string, unknown>;
  subagent_trajectories?: AtifTrajectory[];
}

export const atif: ExportFormat = {
  description: `Harbor ATIF (${ATIF_SCHEMA_VERSION}) trajectories: <out>/<instance>__<session>/agent/trajectory.json (JSONL on stdout)`,
  output: 'tree',
  chainsFlag: true,
  requiredChains: ['main'],
  async exportSession(session: ExportSession, ctx: ExportContext): Promise<void> {
    const builders = new Map<string, ChainBuilder>();
    for await (const rec of session.records()) {
      if (!ctx.chains.has(rec.chain)) {
        count(ctx.counts, 'records_in_other_chains');
        continue;
      }
      if (!isAnswered(rec)) {
        count(ctx.counts, 'records_without_answer');
        continue;
      }
      let b = builders.get(rec.chain_id);
      if (!b) builders.set(rec.chain_id, (b = new ChainBuilder(rec.chain)));
      b.add(rec);
      count(ctx.counts, 'agent_steps');
    }
    const main = builders.get('main');
    if (!main) {
      count(ctx.counts, 'sessions_without_main_completions');
      return;
    }
    const doc = trajectoryOf(session.ses, main, [...builders].filter(([id]) => id !== 'main'));
    await ctx.sink.write(doc, atifPath(session.ses));
    count(ctx.counts, 'trajectories');
  },
};

/** Where a session's trajectory goes under `--out DIR`: Harbor's trial layout, one trial per session. */
export function atifPath(ses: Pick<SesFile, 'instance_id' | 'session_id'>): string {
  return `${ses.instance_id.replace(/[/\\]/g, '__')}__${ses.session_id}/agent/trajectory.json`;
}

function trajectoryOf(ses: SesFile, main: ChainBuilder, others: Array<[string, ChainBuilder]>): AtifTrajectory {
  const doc: AtifTrajectory = {
    schema_version: ATIF_SCHEMA_VERSION,
    session_id: ses.session_id,
    agent: agentOf(ses, main),
    steps: main.steps,
    notes:
      'Exported by swebench from the gateway records of one session (canonical chat completions). Root: the main chain; ' +
      'subagent_trajectories: the other chains (trajectory_id = chain_id). extra.swebench on agent steps: seq, chain, turn, ' +
      'weight_version, finish_reason, prefix (token prefix check).',
    final_metrics: main.finalMetrics(),
    extra: {
      swebench: {
        run_id: ses.run_id,
        instance_id: ses.instance_id,
        sample_index: ses.sample_index,
        status: ses.status,
        error_class: ses.error_class,
        resolved: ses.resolved,
        reward: sessionReward(ses),
        api_type: ses.trajectory.metadata.api_type,
        model_name: ses.model.name,
        weight_versions: ses.weight_versions,
      },
    },
  };
  if (others.length > 0) {
    doc.subagent_trajectories = others.map(([id, b]) => ({
      schema_version: ATIF_SCHEMA_VERSION,
      session_id: ses.session_id,
      trajectory_id: id,
      agent: agentOf(ses, b),
      steps: b.steps,
      final_metrics: b.finalMetrics(),
      extra: { swebench: { chain: b.chain, chain_id: id } },
    }));
  }
  return doc;
}

function agentOf(ses: SesFile, b: ChainBuilder): AtifTrajectory['agent'] {
  const agent: AtifTrajectory['agent'] = { name: ses.harness.name, version: ses.harness.version, model_name: ses.model.upstream };
  if (b.tools.length > 0) agent.tool_definitions = b.tools;
  return agent;
}

/**
 * What identifies a message when a later request repeats the conversation: role, and the tool call ids of an
 * assistant message (or its text without them), the call id of a tool result, the text of the others. Loose on
 * purpose: a harness re-sends an answer re-serialised (reasoning dropped, arguments re-encoded).
 */
function messageKey(m: ChatMessage): string {
  const role = m.role === 'developer' ? 'system' : m.role;
  if (m.role === 'assistant' && m.tool_calls?.length) return `${role}:calls:${m.tool_calls.map((c) => c.id).join(',')}`;
  if (m.role === 'tool') return `${role}:${m.tool_call_id ?? ''}`;
  return `${role}:${textOf(m.content).trim()}`;
}

/** Builds the steps of one chain from its answered records, in seq order. */
class ChainBuilder {
  readonly steps: AtifStep[] = [];
  tools: ChatTool[] = [];
  /** Keys of the conversation so far: the last request's messages and its answer. */
  private history: string[] = [];
  /** Keys of every message already turned into a step (to flag copies after a boundary). */
  private readonly seen = new Set<string>();
  /** The last agent step, whose tool calls the next tool results answer. */
  private pending: AtifStep | null = null;
  private readonly totals = { prompt: 0, completion: 0, cached: 0 };

  constructor(readonly chain: RecordChain) {}

  add(rec: CompletionRecord): void {
    const req = requestOf(rec)!;
    if (this.steps.length === 0) this.tools = req.tools ?? [];
    const keys = req.messages.map(messageKey);
    const continues = this.history.length > 0 && this.history.length <= keys.length && this.history.every((k, i) => keys[i] === k);
    let fresh = req.messages;
    let afterBoundary = false;
    if (continues) fresh = req.messages.slice(this.history.length);
    else if (this.history.length > 0) {
      afterBoundary = true;
      this.pending = null;
      this.push({
        source: 'system',
        message: `The harness rewrote its context before completion ${rec.seq} (the request does not continue the conversation so far); the steps that follow are that request's messages.`,
        extra: { context_management: { type: this.chain === 'main' ? 'compaction' : 'rewrite', boundary: 'replace' } },
      });
    }
    for (const m of fresh) this.addMessage(m, afterBoundary && this.seen.has(messageKey(m)));
    this.addAnswer(rec);
    this.history = [...keys, messageKey(assistantMessage(rec))];
  }

  finalMetrics(): NonNullable<AtifTrajectory['final_metrics']> {
    const m: NonNullable<AtifTrajectory['final_metrics']> = {
      total_prompt_tokens: this.totals.prompt,
      total_completion_tokens: this.totals.completion,
      total_steps: this.steps.length,
    };
    if (this.totals.cached > 0) m.total_cached_tokens = this.totals.cached;
    return m;
  }

  private push(step: Omit<AtifStep, 'step_id'>): AtifStep {
    const s = { step_id: this.steps.length + 1, ...step } as AtifStep;
    this.steps.push(s);
    return s;
  }

  /** A message of a request: a step of its own, or (a tool result) the observation of the agent step that called. */
  private addMessage(m: ChatMessage, copied: boolean): void {
    const key = messageKey(m);
    this.seen.add(key);
    const flag = copied ? { is_copied_context: true } : {};
    const text = textOf(m.content);
    if (m.role === 'tool') {
      const call = this.pending?.tool_calls?.find((c) => c.tool_call_id === m.tool_call_id);
      if (this.pending && call) {
        (this.pending.observation ??= { results: [] }).results.push({ source_call_id: call.tool_call_id, content: text });
        return;
      }
      // a result whose call is not the last agent step's: kept, as a system-side observation
      this.push({ source: 'system', message: '', observation: { results: [{ content: text, extra: { tool_call_id: m.tool_call_id ?? null } }] }, ...flag });
      return;
    }
    if (m.role === 'assistant') {
      // an answer the harness put in the history itself (not a completion of this chain): no metrics
      this.pending = this.push({
        source: 'agent',
        message: text,
        ...toolCallsOf(m),
        ...(typeof m.reasoning_content === 'string' && m.reasoning_content !== '' ? { reasoning_content: m.reasoning_content } : {}),
        ...flag,
        extra: { swebench: { from: 'request_history' } },
      });
      return;
    }
    this.pending = null;
    this.push({ source: m.role === 'user' ? 'user' : 'system', message: text, ...flag });
  }

  /** The completion itself: one agent step with its metrics. */
  private addAnswer(rec: CompletionRecord): void {
    const r = rec.response!;
    const usage = r.usage;
    const metrics: AtifMetrics = {};
    if (usage) {
      metrics.prompt_tokens = usage.prompt_tokens;
      metrics.completion_tokens = usage.completion_tokens;
      const cached = usage.prompt_tokens_details?.cached_tokens;
      if (typeof cached === 'number' && cached > 0) metrics.cached_tokens = cached;
      this.totals.prompt += usage.prompt_tokens;
      this.totals.completion += usage.completion_tokens;
      this.totals.cached += cached ?? 0;
    }
    if (rec.tokens) {
      metrics.prompt_token_ids = rec.tokens.prompt_ids;
      metrics.completion_token_ids = rec.tokens.completion_ids;
      const lp = rec.tokens.completion_logprobs;
      // ATIF logprobs are floats: a list with a missing entry is left out rather than written with nulls
      if (lp && lp.every((x) => typeof x === 'number' && Number.isFinite(x))) metrics.logprobs = lp;
    }
    this.pending = this.push({
      timestamp: rec.timings.start,
      source: 'agent',
      model_name: r.model || undefined,
      message: r.content,
      ...(r.reasoning ? { reasoning_content: r.reasoning } : {}),
      ...toolCallsOf(assistantMessage(rec)),
      ...(Object.keys(metrics).length > 0 ? { metrics } : {}),
      llm_call_count: 1,
      extra: {
        swebench: {
          seq: rec.seq,
          chain: rec.chain,
          chain_id: rec.chain_id,
          turn: rec.turn,
          kind: rec.kind,
          weight_version: rec.weight_version ?? null,
          finish_reason: r.finish_reason,
          prefix: rec.prefix ?? null,
        },
      },
    });
    if (this.pending.model_name === undefined) delete this.pending.model_name;
  }
}

/** ATIF tool calls of a chat message: arguments as a JSON object (text that is not one is kept in `extra`), ids unique. */
function toolCallsOf(m: ChatMessage): { tool_calls?: AtifToolCall[] } {
  if (!m.tool_calls?.length) return {};
  const ids = new Set<string>();
  const calls = m.tool_calls.map((c): AtifToolCall => {
    let id = c.id || 'call';
    for (let n = 2; ids.has(id); n++) id = `${c.id}#${n}`;
    ids.add(id);
    const call: AtifToolCall = { tool_call_id: id, function_name: c.function.name, arguments: {} };
    let parsed: unknown;
    try {
      parsed = JSON.parse(c.function.arguments);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) call.arguments = parsed as Record<string, unknown>;
    else call.extra = { raw_arguments: c.function.arguments };
    if (id !== c.id) call.extra = { ...call.extra, original_id: c.id };
    return call;
  });
  return { tool_calls: calls };
}
