// `swebench gateway` minus the flag parsing: start (without waiting for the upstream to be up), announce one JSON
// line on stdout, serve until the signal fires, close gracefully (a second, `force` signal cuts the grace short).
import { openGateway } from './start.js';
import type { GatewayOptions } from './options.js';

/** What a standalone gateway writes and listens to. */
export interface StandaloneIo {
  /** Stops the gateway (SIGINT/SIGTERM in the CLI). */
  signal: AbortSignal;
  /** Aborts in-flight completions at once instead of after the grace period (a second Ctrl-C). */
  force?: AbortSignal;
  /** Gets the one JSON line `{url, admin_token_hint, upstream_model, ready, records_dir}` (model null while not ready). */
  stdout: NodeJS.WritableStream;
  /** Gets a generated admin token, once. */
  stderr: NodeJS.WritableStream;
  /** Where the configured admin token comes from, e.g. `env GATEWAY_ADMIN_TOKEN` (never the token itself). */
  adminTokenSource?: string;
  /** @default 10000 */
  graceMs?: number;
}

/** Runs a gateway until `io.signal` fires; announces it once listening and after the first look at the upstream. */
export async function serveGateway(options: GatewayOptions, io: StandaloneIo): Promise<void> {
  const gw = await openGateway(options);
  const generated = options.adminToken === undefined;
  if (generated) io.stderr.write(`swebench gateway: generated admin token (shown only here): ${gw.adminToken}\n`);
  const hint = generated ? 'generated; printed once on stderr' : `from ${io.adminTokenSource ?? 'the configured admin token'}`;
  io.stdout.write(`${JSON.stringify({ url: gw.url, admin_token_hint: hint, upstream_model: gw.upstream.model ?? null, ready: gw.upstream.state.ready, records_dir: gw.recordsDir })}\n`);
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) return resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const onForce = () => void gw.close({ graceMs: 0 });
  io.force?.addEventListener('abort', onForce, { once: true });
  try {
    await gw.close({ graceMs: io.force?.aborted ? 0 : (io.graceMs ?? 10_000) });
  } finally {
    io.force?.removeEventListener('abort', onForce);
  }
}
