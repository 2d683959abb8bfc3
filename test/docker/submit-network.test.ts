// The sealed agent network (DESIGN.md decision 10) from inside real agent containers: the netprobe plug-in
// harness probes before it runs the pyagent agent under `--model oracle`. Default (sealed): only loopback in the
// container, a real streamed completion through the gateway URL works, every other service of the host's
// loopback is refused (a listener this test starts, the built-in model server and whatever else `submit`
// listens on), another session's URL and the gateway's own endpoints are refused through the session's socket,
// and every session still resolves. `--agent-network host` opens all of that, and run.json and the log say so.
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import net, { type AddressInfo, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sessionIdFor } from '../../src/run/layout.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { readJson, readSesFiles, runContainers, submit } from './submit-helpers.js';

const fixturesDir = inject('fixturesDir');
const NETPROBE = path.join(REPO_ROOT, 'test/fixtures/harnesses/netprobe.mjs');
const TASKS = ['fixtures__calc-1', 'fixtures__textutils-1'];

interface Probe {
  base_url: string;
  interfaces: string[];
  completion: { status: number | string; done: boolean };
  ports: Record<string, string>;
  other_session: number | string;
  healthz: number | string;
  admin: number | string;
}

function probeOf(runDir: string, agentLog: string): Probe {
  const line = readFileSync(path.join(runDir, agentLog), 'utf8').split('\n').find((l) => l.startsWith('NETPROBE '));
  if (!line) throw new Error(`no NETPROBE line in ${agentLog}`);
  return JSON.parse(line.slice('NETPROBE '.length)) as Probe;
}

describe.skipIf(!fixturesDir)('the agent network, probed from inside the agent container (real Docker)', () => {
  let out: string;
  let dataset: string;
  let listener: Server;
  let listenerPort: number;
  let connections = 0;

  beforeAll(async () => {
    dataset = path.join(fixturesDir!, 'tasks.jsonl');
    out = mkdtempSync(path.join(os.tmpdir(), 'swebench-network-test-'));
    // a service on the host's loopback that is not the gateway
    listener = net.createServer((c) => {
      connections++;
      c.on('error', () => {}); // the probe hangs up at once
      c.end('hello from the host\n');
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    listenerPort = (listener.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => listener.close(() => resolve()));
    rmSync(out, { recursive: true, force: true });
  });

  it('sealed (the default): the gateway session works, nothing else on the host does, and every task resolves', async () => {
    const runId = 'sealed';
    const sids = TASKS.map((id) => sessionIdFor(runId, id, 'netprobe', 0));
    // each session is told the other one's id
    const r = await submit(
      ['--harness', 'netprobe', '--harness-file', NETPROBE, '--model', 'oracle', '--dataset', dataset, '--output-dir', out, '--run-id', runId,
        '--instance-ids', TASKS.join(','), '--concurrency', '2', '--json'],
      { env: { NETPROBE_PORTS: String(listenerPort), NETPROBE_OTHER_SID: sids.join('|') } },
    );
    expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
    const runDir = path.join(out, runId);
    const sessions = readSesFiles(runDir);
    expect(sessions.map((s) => s.instance_id)).toEqual(TASKS);
    for (const s of sessions) {
      expect(s, s.instance_id).toMatchObject({ status: 'COMPLETED', resolved: true, error_class: null });
      const p = probeOf(runDir, s.artifacts.agent_log);
      console.log(`${s.instance_id}: NETPROBE ${JSON.stringify(p)}`);
      expect(p.base_url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/s/${s.session_id}/v1$`));
      expect(p.interfaces).toEqual(['lo']);
      expect(p.completion).toEqual({ status: 200, done: true });
      // the test's listener and the submit process's other listeners (the built-in oracle model server at least)
      expect(Object.keys(p.ports)).toContain(String(listenerPort));
      expect(Object.keys(p.ports).length).toBeGreaterThanOrEqual(2);
      for (const [port, state] of Object.entries(p.ports)) expect(state, `port ${port}`).toBe('refused');
      expect(p.other_session).toBe(403);
      expect(p.healthz).toBe(403);
      expect(p.admin).toBe(403);
      // the probe's completion and the agent's own went through the gateway, recorded
      expect(s.record_count).toBeGreaterThanOrEqual(3);
    }
    expect(connections).toBe(0);
    const manifest = readJson(path.join(runDir, 'run.json'));
    expect(manifest.config).toMatchObject({ agent_network: 'sealed', eval_network: 'sealed' });
    expect(manifest.warnings).toBeUndefined();
    expect(r.stderr).not.toMatch(/agent_network is "host"/);
    expect(await runContainers(runId)).toEqual([]);
  });

  it('--agent-network host: the same probe reaches the host listener, and run.json and the log warn', async () => {
    const runId = 'host';
    const r = await submit(
      ['--harness', 'netprobe', '--harness-file', NETPROBE, '--model', 'oracle', '--dataset', dataset, '--output-dir', out, '--run-id', runId,
        '--instance-ids', TASKS[0]!, '--agent-network', 'host', '--no-eval'],
      { env: { NETPROBE_PORTS: String(listenerPort) } },
    );
    expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
    const runDir = path.join(out, runId);
    const [s] = readSesFiles(runDir);
    const p = probeOf(runDir, s!.artifacts.agent_log);
    expect(p.completion).toEqual({ status: 200, done: true });
    expect(p.ports[String(listenerPort)]).toBe('open');
    expect(p.interfaces.length).toBeGreaterThan(1);
    expect(connections).toBeGreaterThan(0);
    const manifest = readJson(path.join(runDir, 'run.json'));
    expect(manifest.config.agent_network).toBe('host');
    expect(manifest.warnings).toEqual([expect.stringMatching(/^agent_network is "host": agents can reach every service on the host's loopback/)]);
    expect(r.stderr).toMatch(/agent_network is "host"/);
  });
});
