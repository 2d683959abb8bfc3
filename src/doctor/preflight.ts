// The upstream part of `swebench doctor` that `submit` runs before any container: a model server that refuses
// tools or cannot be reached fails the run once, in seconds, with its fix, instead of failing every session.
import type { SubmitConfig } from '../config/submit-schema.js';
import { GatewayError } from '../errors.js';
import type { Logger } from '../logger.js';
import { failed } from './types.js';
import { probeUpstream, type UpstreamProbe } from './upstream.js';

/** What the probe needs from the config and the opened model source. */
export function probeOf(config: SubmitConfig, model: { upstreamUrl: string; upstreamApiKey?: string; upstreamModel?: string }, instanceId: string | undefined): UpstreamProbe {
  return {
    url: model.upstreamUrl,
    contextWindow: config.context_window,
    ...(model.upstreamApiKey ? { apiKey: model.upstreamApiKey } : {}),
    ...(model.upstreamModel ? { model: model.upstreamModel } : {}),
    ...(instanceId ? { instanceId } : {}),
  };
}

/** Runs the upstream checks; warnings are logged, the first failure throws with its fix (exit 4). */
export async function preflightUpstream(
  config: SubmitConfig,
  model: { upstreamUrl: string; upstreamApiKey?: string; upstreamModel?: string },
  instanceId: string | undefined,
  deps: { signal?: AbortSignal; logger: Logger },
): Promise<void> {
  const report = await probeUpstream({ ...probeOf(config, model, instanceId), timeoutMs: 60_000 }, deps.signal);
  for (const c of report.checks) if (c.status === 'warn') deps.logger.warn(`preflight: ${c.detail}${c.fix ? ` — ${c.fix}` : ''}`);
  const [first] = failed(report.checks);
  if (first) throw new GatewayError(`preflight (${first.id}): ${first.detail}`, { ...(first.fix ? { hint: `${first.fix} (\`swebench doctor\` runs every check.)` } : {}) });
}
