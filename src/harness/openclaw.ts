// The openclaw preset (openclaw, a pure-JS agent speaking Chat Completions), driven per the verified headless
// recipe in reference/harness-more.md §3: `openclaw agent exec` (one isolated embedded agent run, no Gateway
// daemon, no approvals) with a `--config` whose `models.mode: "replace"` leaves one provider, `gw`, at the
// session URL; `--code-mode direct` (in code mode its `exec` tool takes JavaScript, not shell); the prompt on
// stdin; `--json` for one result envelope on stdout. It needs node ≥ 24.16 (`node:sqlite`), so the bundle
// carries node 24 from the npm registry (BundleSpec.node) rather than the host's node 20.
import path from 'node:path';
import { classifyExit, CONTEXT_OVERFLOW, GATEWAY_PATTERNS, stripAnsi, type FailurePattern } from './classify.js';
import { mergeConfig } from './config-merge.js';
import { NODE_24 } from './node-runtime.js';
import type { BundleSpec, Harness, HarnessContext, HarnessExit, HarnessFailure, HarnessLaunch } from './types.js';

/** Provider id in openclaw.json; the model is addressed as `gw/<model>`. */
export const OPENCLAW_PROVIDER = 'gw';
/** The official bin (`openclaw`); it re-spawns `process.execPath`, i.e. the bundle's node. */
export const OPENCLAW_ENTRY = 'node_modules/openclaw/openclaw.mjs';

/**
 * Commands still running after this long are backgrounded and the model must poll them with `process`
 * (default 10 s: every test run would be). 120 s is the most openclaw accepts (`tools.exec.backgroundMs`).
 */
export const OPENCLAW_BACKGROUND_MS = 120_000;

/**
 * The bundle is the whole install tree: openclaw loads its 7,000 dist chunks and 330 dependencies lazily (per
 * tool, provider and plugin), so no subset is known to be safe. Install scripts run (under node 24): the
 * package ships a `.openclaw-lifecycle-pending` marker that its postinstall removes; left in place, every run
 * would try to finish the install inside the read-only bundle and exit 1.
 */
const BUNDLE: BundleSpec = {
  copy: [{ from: 'node_modules', to: 'node_modules' }],
  node: { version: NODE_24 }, // its engines: `>=24.16.0 <25 || >=26.1.0`
  installScripts: true,
  entry: OPENCLAW_ENTRY,
};

/** Where the preset keeps its files under the session HOME. */
function paths(ctx: HarnessContext) {
  const dir = path.posix.join(ctx.home, '.swebench');
  const state = path.posix.join(dir, 'openclaw-state');
  return {
    config: path.posix.join(dir, 'openclaw.json'),
    /** `--state-dir`: kept (not a temp dir openclaw may fail to clean up), holds the agent's settings.json. */
    state,
    settings: path.posix.join(state, 'agents', 'main', 'agent', 'settings.json'),
    tmp: path.posix.join(ctx.home, 'tmp'),
  };
}

/** The openclaw.json the preset generates (before `configOverride`). */
export function openclawConfig(ctx: HarnessContext): Record<string, unknown> {
  return {
    models: {
      mode: 'replace',
      providers: {
        [OPENCLAW_PROVIDER]: {
          baseUrl: ctx.baseUrl, // openclaw appends /chat/completions
          apiKey: ctx.apiKey,
          api: 'openai-completions',
          models: [
            {
              id: ctx.modelName,
              name: ctx.modelName,
              reasoning: false,
              input: ['text'],
              cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
              contextWindow: ctx.contextWindow,
              maxTokens: ctx.maxOutputTokens,
            },
          ],
        },
      },
    },
    agents: { defaults: { model: { primary: `${OPENCLAW_PROVIDER}/${ctx.modelName}` } } },
    tools: { exec: { backgroundMs: OPENCLAW_BACKGROUND_MS } },
  };
}

/**
 * The agent's settings.json (read from `<state-dir>/agents/main/agent/`): one same-model retry instead of 8 in a
 * 90 s window, so an unreachable gateway ends the run in ~15 s, not ~95 s (the gateway already retries upstream).
 */
export const OPENCLAW_SETTINGS = { retry: { provider: { maxRetries: 1 } } };

/** What openclaw says for each failure (its `--json` envelope and stderr, verified by running it), most specific first. */
const PATTERNS: readonly FailurePattern[] = [
  ...GATEWAY_PATTERNS,
  CONTEXT_OVERFLOW,
  { match: /authentication failed|authentication was rejected|HTTP 401|Missing API key/i, errorClass: 'infra_error', reason: 'no usable credentials for the gateway' },
  { match: /^Invalid config at|must declare baseUrl/i, errorClass: 'infra_error', reason: 'openclaw.json is invalid' },
  {
    match: /LLM request (failed|timed out)|connection refused|fetch failed|ECONNREFUSED|endpoint is unreachable/i,
    errorClass: 'upstream_error',
    reason: 'the model endpoint failed or could not be reached',
  },
  // its own --timeout: "embedded run timeout … cleanup did not settle", then "⚠️ Exec failed" (exit 1, not 2)
  { match: /embedded run timeout|Agent run timed out|Exec failed/i, errorClass: 'agent_timeout', reason: "openclaw's --timeout ran out" },
];

type Json = Record<string, unknown>;

/**
 * The failure-relevant text of openclaw's output: stderr lines as they are, and the pretty-printed `--json`
 * envelope (`{"ok":…,"status":…,"final":…,"error":{"message","kind"}}`, one JSON value over many lines) as one
 * line `envelope <status> (<kind>): <message>`, its final text and payloads dropped (the model's words).
 */
export function openclawDiagnostics(output: string): string {
  const lines = stripAnsi(output).split(/\r?\n/);
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '{') {
      out.push(lines[i]!);
      continue;
    }
    const end = lines.indexOf('}', i + 1);
    let envelope: Json | undefined;
    try {
      envelope = end > i ? (JSON.parse(lines.slice(i, end + 1).join('\n')) as Json) : undefined;
    } catch {
      envelope = undefined;
    }
    if (!envelope || typeof envelope.ok !== 'boolean') {
      out.push(lines[i]!);
      continue;
    }
    const error = (envelope.error ?? {}) as Json;
    if (envelope.ok !== true) out.push(`envelope ${String(envelope.status)} (${String(error.kind ?? '?')}): ${String(error.message ?? 'no message')}`);
    i = end;
  }
  return out.join('\n');
}

/** openclaw's exit codes (`agent exec`: 1 error, 2 timeout), for when no line explains them. */
function classifyOpenclaw(exit: HarnessExit): HarnessFailure | undefined {
  const failure = classifyExit('openclaw', { ...exit, output: openclawDiagnostics(exit.output) }, PATTERNS);
  if (failure?.errorClass === 'agent_crash' && exit.exitCode === 2 && !exit.timedOut) {
    // status "timeout": a model request timed out or failed to connect (its own --timeout exits 1, "Exec failed")
    return { errorClass: 'upstream_error', error: failure.error.replace(/^openclaw exited with code 2/, 'openclaw: a model request timed out (exit 2)') };
  }
  return failure;
}

export const openclaw = {
  name: 'openclaw',
  package: 'openclaw',
  version: '2026.9.6',
  protocol: 'openai_chat',
  bundle: BUNDLE,

  launch(ctx: HarnessContext): HarnessLaunch {
    const p = paths(ctx);
    const config = mergeConfig(openclawConfig(ctx), ctx.configOverride);
    return {
      files: [
        { path: p.config, content: JSON.stringify(config, null, 2) + '\n', mode: 0o600 },
        { path: p.settings, content: JSON.stringify(OPENCLAW_SETTINGS, null, 2) + '\n' },
        { path: path.posix.join(p.tmp, '.keep'), content: '' },
      ],
      env: {
        HOME: ctx.home,
        // its temp state, compile cache and leftovers; its log and state locks go to /tmp/openclaw* regardless
        TMPDIR: p.tmp,
        NO_COLOR: '1',
      },
      command: [
        `${ctx.bundleDir}/bin/node`, `${ctx.bundleDir}/${OPENCLAW_ENTRY}`, 'agent', 'exec',
        '--config', p.config, '--state-dir', p.state, '--model', `${OPENCLAW_PROVIDER}/${ctx.modelName}`,
        '--cwd', ctx.workdir, '--code-mode', 'direct', '--timeout', String(Math.max(1, Math.floor(ctx.timeoutSec))),
        '--message-file', '-', '--json',
      ],
      stdin: ctx.prompt,
    };
  },

  classify: classifyOpenclaw,
} satisfies Harness;
