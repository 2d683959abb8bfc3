// What network an agent container gets (DESIGN.md decision 10). `sealed` (the default): `--network none`, the
// gateway session served on a Unix socket mounted into the container, and a forwarder on the container's own
// 127.0.0.1:<gateway port>, so the harness sees the usual base URL and nothing else on the host or beyond is
// reachable (not the upstream model server, not other sessions, not the admin API, not a TCP Docker API).
// `host`: the host's network namespace, an explicit opt-in that run.json and the log warn about.
import type { SubmitConfig } from '../config/submit-schema.js';
import type { GatewayHandle } from '../gateway/start.js';
import { SESSION_SOCKET_NAME } from '../gateway/session-socket.js';
import { ensureNetRuntime, GATEWAY_SOCKET_MOUNT, NET_MOUNT, startForwarder } from '../runtime/sealed-net.js';
import type { Sandbox, SandboxSpec } from '../runtime/types.js';

/** One session's network, from before its container exists until the session ends. */
export interface AgentNetwork {
  /** The container's network mode. */
  network: NonNullable<SandboxSpec['network']>;
  /** Extra bind mounts of the container. */
  mounts: NonNullable<SandboxSpec['mounts']>;
  /** Makes the gateway session reachable from inside the container; returns the base URL the harness uses. */
  connect(sandbox: Sandbox, baseUrl: string, signal?: AbortSignal): Promise<string>;
  /** Stops serving the session to the container; safe to call twice. */
  close(): Promise<void>;
}

/** What grading with the host's network opens up (`submit` and `eval` both warn with it). */
export const EVAL_HOST_NETWORK_WARNING =
  'eval_network is "host": the code under test can reach every service on the host\'s loopback and the outside world while it is graded';

/** The warnings a run's network settings deserve (logged and written into run.json). */
export function networkWarnings(config: Pick<SubmitConfig, 'agent_network' | 'eval_network'>): string[] {
  const out: string[] = [];
  if (config.agent_network === 'host') {
    out.push(
      'agent_network is "host": agents can reach every service on the host\'s loopback (the upstream model server, ' +
        'other sessions, a TCP Docker API) and the outside world, bypassing the recording gateway and its completion cap',
    );
  }
  if (config.eval_network === 'host') out.push(EVAL_HOST_NETWORK_WARNING);
  return out;
}

/** Sets up the session's network: for `sealed`, the runtime directory and the session's socket on the gateway. */
export async function openAgentNetwork(mode: SubmitConfig['agent_network'], gateway: GatewayHandle, sessionId: string): Promise<AgentNetwork> {
  if (mode === 'host') return { network: 'host', mounts: [], connect: async (_sandbox, baseUrl) => baseUrl, close: async () => {} };
  const runtimeDir = await ensureNetRuntime();
  const socket = await gateway.sessionSockets.listen(sessionId);
  const port = Number(new URL(gateway.url).port);
  return {
    network: 'none',
    mounts: [
      { hostPath: runtimeDir, containerPath: NET_MOUNT, readOnly: true },
      { hostPath: socket.dir, containerPath: GATEWAY_SOCKET_MOUNT, readOnly: true },
    ],
    async connect(sandbox, baseUrl, signal) {
      const { pathname } = new URL(baseUrl);
      await startForwarder(sandbox, { port, socketName: SESSION_SOCKET_NAME, probePath: `${pathname.replace(/\/$/, '')}/models`, signal });
      return `http://127.0.0.1:${port}${pathname}`;
    },
    close: () => gateway.sessionSockets.close(sessionId),
  };
}
