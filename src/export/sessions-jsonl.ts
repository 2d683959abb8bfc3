// `export --format sessions-jsonl`: one line per session with its whole main conversation in OpenAI chat format
// (the final main-chain request's messages + the final assistant reply, and the tools offered) and its grade, for
// SFT (keep resolved sessions) and DPO (pair resolved and unresolved samples of one instance).
import type { CompletionRecord } from '../gateway/records.js';
import type { ChatMessage, ChatTool } from '../gateway/protocols/types.js';
import type { SesFile } from '../run/ses-file.js';
import { assistantMessage, isAnswered, requestOf, toolsOf } from './chat.js';
import { sessionReward } from './session-reward.js';
import { count, type ExportContext, type ExportFormat, type ExportSession } from './types.js';

/** One line of sessions-jsonl. */
export interface SessionLine {
  run_id: string;
  session_id: string;
  instance_id: string;
  sample_index: number;
  harness: string;
  harness_version: string;
  model: string;
  upstream_model: string;
  /** The wire protocol the harness spoke; messages are the gateway's canonical chat translation of it. */
  api_type: string;
  status: SesFile['status'];
  error_class: SesFile['error_class'];
  resolved: boolean;
  /** sessionReward(): 1, 0, or null when not fairly graded (cancelled, infrastructure error). */
  reward: 0 | 1 | null;
  /** Seq of the record the conversation comes from (the last answered main-chain completion). */
  source_seq: number;
  messages: ChatMessage[];
  tools: ChatTool[];
}

export const sessionsJsonl: ExportFormat = {
  description: 'one line per session: the main conversation as OpenAI chat messages + tools, reward, status',
  output: 'lines',
  chainsFlag: false,
  async exportSession(session: ExportSession, ctx: ExportContext): Promise<void> {
    let last: CompletionRecord | null = null;
    for await (const rec of session.records()) if (rec.chain === 'main' && isAnswered(rec)) last = rec;
    if (!last) {
      count(ctx.counts, 'sessions_without_main_completions');
      return;
    }
    await ctx.sink.write(sessionLine(session.ses, last), '');
    count(ctx.counts, 'lines');
  },
};

/** The line of a session from its last answered main-chain record. */
export function sessionLine(ses: SesFile, last: CompletionRecord): SessionLine {
  return {
    run_id: ses.run_id,
    session_id: ses.session_id,
    instance_id: ses.instance_id,
    sample_index: ses.sample_index,
    harness: ses.harness.name,
    harness_version: ses.harness.version,
    model: ses.model.name,
    upstream_model: ses.model.upstream,
    api_type: ses.trajectory.metadata.api_type,
    status: ses.status,
    error_class: ses.error_class,
    resolved: ses.resolved,
    reward: sessionReward(ses),
    source_seq: last.seq,
    messages: [...requestOf(last)!.messages, assistantMessage(last)],
    tools: toolsOf(last),
  };
}
