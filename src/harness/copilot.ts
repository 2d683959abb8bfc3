// The copilot preset (@github/copilot, a native single-file binary speaking Chat Completions), per
// reference/harness-more.md §5: BYOK through environment only (no config file, no GitHub login), COPILOT_OFFLINE
// (else it calls api.github.com), the flags that make `-p`-less stdin runs fully autonomous, and the JS package the
// binary unpacks on first run (235 MB into ~/.cache) unpacked once into the bundle at install time and named by
// COPILOT_CLI_DIST_DIR, so sessions never unpack and the bundle stays read-only. The binary redacts the API key
// from its output: the gateway's long random `sk-swebench-…` tokens keep that from garbling anything else.
// Its retries (6 tries, ~25 s against a dead endpoint) are not configurable. Its HTTP client refuses to start
// without CA roots, even for an http:// endpoint ("no trust roots available"), and task images may have none: the
// bundle carries node's Mozilla roots as a PEM file and SSL_CERT_FILE names it.
import { rootCertificates } from 'node:tls';
import { classifyExit, CONTEXT_OVERFLOW, GATEWAY_PATTERNS, type FailurePattern } from './classify.js';
import { envWithOverride } from './env-override.js';
import type { BundleSpec, Harness, HarnessContext, HarnessLaunch } from './types.js';

/** Host arch → the glibc platform package and the package dir name the binary unpacks into. */
const PLATFORMS: Record<string, { pkg: string; dist: string }> = {
  x64: { pkg: '@github/copilot-linux-x64', dist: 'linux-x64' },
  arm64: { pkg: '@github/copilot-linux-arm64', dist: 'linux-arm64' },
};

/** Where the unpacked JS package lives inside the bundle (COPILOT_CLI_DIST_DIR). */
export const COPILOT_DIST = 'pkg';
/** The CA bundle inside the bundle (SSL_CERT_FILE). */
export const COPILOT_CA_FILE = 'etc/ca-certificates.pem';

function bundleSpec(arch: string): BundleSpec {
  const p = PLATFORMS[arch] ?? PLATFORMS.x64!;
  return {
    copy: [{ from: `node_modules/${p.pkg}/copilot`, to: 'bin/copilot', mode: 0o755 }],
    entry: 'bin/copilot',
    files: [{ to: COPILOT_CA_FILE, content: rootCertificates.join('\n') + '\n' }],
    // `--version` is enough to make the binary unpack its package into $XDG_CACHE_HOME/copilot/pkg/<platform>/<version>
    prepare: {
      command: ['{bundle}/bin/copilot', '--version'],
      env: { XDG_CACHE_HOME: '{scratch}/cache', COPILOT_HOME: '{scratch}/copilot-home', COPILOT_OFFLINE: 'true', COPILOT_AUTO_UPDATE: 'false' },
      keep: [{ from: `cache/copilot/pkg/${p.dist}/{version}`, to: COPILOT_DIST }],
    },
  };
}

/** The environment the preset generates (before `configOverride`). */
export function copilotEnv(ctx: HarnessContext): Record<string, string> {
  return {
    HOME: ctx.home,
    COPILOT_HOME: `${ctx.home}/.copilot`, // session-state/, session-store.db, logs/
    XDG_CACHE_HOME: `${ctx.home}/.cache`,
    TMPDIR: `${ctx.home}/tmp`, // its embedded node keeps a node-compile-cache/ there
    SSL_CERT_FILE: `${ctx.bundleDir}/${COPILOT_CA_FILE}`, // also seen by the commands it runs (same Mozilla roots)
    COPILOT_CLI_DIST_DIR: `${ctx.bundleDir}/${COPILOT_DIST}`,
    COPILOT_OFFLINE: 'true', // no GitHub auth, telemetry, web tools, GitHub MCP server or auto-update
    COPILOT_AUTO_UPDATE: 'false',
    COPILOT_PROVIDER_BASE_URL: ctx.baseUrl, // the client appends /chat/completions
    COPILOT_PROVIDER_API_KEY: ctx.apiKey, // sent as Authorization: Bearer
    COPILOT_MODEL: ctx.modelName,
    COPILOT_PROVIDER_MAX_PROMPT_TOKENS: String(ctx.contextWindow),
    COPILOT_PROVIDER_MAX_OUTPUT_TOKENS: String(ctx.maxOutputTokens),
  };
}

/** What copilot prints for each failure (plain text on stderr; `session.error` events; reference §5d). */
const PATTERNS: readonly FailurePattern[] = [
  ...GATEWAY_PATTERNS,
  CONTEXT_OVERFLOW,
  { match: /no trust roots available|root certificate/i, errorClass: 'infra_error', reason: 'no CA certificates for its HTTP client (SSL_CERT_FILE)' },
  { match: /requires a local model provider|COPILOT_PROVIDER_BASE_URL/i, errorClass: 'infra_error', reason: 'no BYOK provider base URL' },
  { match: /Authentication failed|\(HTTP 401\)|Not authenticated|No authentication/i, errorClass: 'infra_error', reason: 'no usable credentials for the gateway' },
  { match: /Could not connect|ECONNREFUSED|Connection refused/i, errorClass: 'upstream_error', reason: 'cannot reach the gateway' },
  {
    match: /retried \d+ times|\b(429|50[0-4])\b|rate limit|Too Many Requests|overloaded|missing finish_reason|Failed to finalize/i,
    errorClass: 'upstream_error',
    reason: 'the model endpoint kept failing',
  },
];

export const copilot = {
  name: 'copilot',
  package: '@github/copilot',
  version: '1.0.102',
  protocol: 'openai_chat',
  bundle: bundleSpec(process.arch),

  launch(ctx: HarnessContext): HarnessLaunch {
    return {
      files: [{ path: `${ctx.home}/tmp/.keep`, content: '' }], // TMPDIR must exist
      // configOverride applies to the environment (no config file is written)
      env: envWithOverride('copilot', copilotEnv(ctx), ctx.configOverride, '{"COPILOT_PROVIDER_WIRE_API": "responses"} or {"COPILOT_OFFLINE": null}'),
      // No -p: the prompt is read from stdin. --allow-all-tools is required headless; COPILOT_ALLOW_ALL=true is not
      // used because it also trusts the repo's own skills, plugins, MCP servers and hooks.
      command: [
        `${ctx.bundleDir}/bin/copilot`, '--allow-all-tools', '--allow-all-paths', '--no-auto-update', '--disable-client-telemetry',
        '--no-ask-user', '--output-format', 'json',
      ],
      stdin: ctx.prompt,
    };
  },

  classify: (exit) => classifyExit('copilot', exit, PATTERNS),
} satisfies Harness;
