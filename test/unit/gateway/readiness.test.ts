// Upstream readiness: the background discovery's backoff schedule and its once-per-change log lines (with an
// injected sleep and clock), stopping it, and a configured model the upstream does not list (real HTTP).
import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { GatewayError } from '../../../src/errors.js';
import { openGateway, startGateway } from '../../../src/gateway/index.js';
import { DISCOVERY_BACKOFF } from '../../../src/gateway/options.js';
import { UpstreamReadiness } from '../../../src/gateway/readiness.js';
import { createLogger } from '../../../src/logger.js';
import { closedPort, startFakeUpstream } from '../../helpers/fake-upstream.js';

function capture() {
  let text = '';
  const stream = new Writable({
    write(c, _e, cb) {
      text += String(c);
      cb();
    },
  });
  return { logger: createLogger({ level: 'debug', stream }), lines: () => text.split('\n').filter(Boolean) };
}

/** A discovery that fails with the given reasons in turn, then answers `model`. */
function scripted(reasons: string[], model = 'm') {
  let n = 0;
  return async () => {
    const reason = reasons[n++];
    if (reason !== undefined) throw new GatewayError(reason);
    return model;
  };
}

describe('UpstreamReadiness.watch', () => {
  it('backs off 0.5 s doubling to a 10 s cap, logs at info once per new reason, and reports the state meanwhile', async () => {
    const log = capture();
    const delays: number[] = [];
    const states: unknown[] = [];
    let clock = 1_000_000;
    const reasons = [...Array<string>(4).fill('refused'), ...Array<string>(4).fill('HTTP 503: loading')];
    const r: UpstreamReadiness = new UpstreamReadiness(scripted(reasons, 'qwen'), {
      logger: log.logger,
      upstreamUrl: 'http://up/v1',
      now: () => clock,
      sleep: async (ms) => {
        delays.push(ms);
        states.push(r.state);
        expect(r.retryAfterSeconds()).toBe(Math.max(1, Math.ceil(ms / 1000)));
        clock += ms;
      },
    });
    expect(r.state).toEqual({ ready: false, reason: expect.stringMatching(/not been asked/) });
    await r.watch(); // the first attempt; the rest run on without real waits
    await vi.waitFor(() => expect(r.state.ready).toBe(true));
    expect(r.state).toEqual({ ready: true, model: 'qwen' });
    expect(r.model).toBe('qwen');

    const base = [500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000];
    expect(delays).toHaveLength(base.length);
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(base[i]! * 0.8);
      expect(d).toBeLessThanOrEqual(Math.min(base[i]! * 1.2, DISCOVERY_BACKOFF.maxDelayMs));
    });
    expect(states.slice(0, 4)).toEqual(Array(4).fill({ ready: false, reason: 'refused' }));
    expect(states.slice(4)).toEqual(Array(4).fill({ ready: false, reason: 'HTTP 503: loading' }));

    const info = log.lines().filter((l) => !l.startsWith('debug:'));
    expect(info).toEqual([
      'gateway: upstream not ready: refused; asking again every 0.5–10 s',
      'gateway: upstream not ready: HTTP 503: loading; asking again every 0.5–10 s',
      'gateway: upstream http://up/v1 ready, model qwen (attempt 9)',
    ]);
    expect(log.lines().filter((l) => l.startsWith('debug:'))).toHaveLength(6);
  });

  it('resolves watch() after the first attempt, and stop() ends a wait in progress', async () => {
    let attempts = 0;
    const r = new UpstreamReadiness(
      async () => {
        attempts++;
        throw new GatewayError('refused');
      },
      { logger: capture().logger, upstreamUrl: 'http://up/v1' },
    );
    await r.watch();
    expect(attempts).toBe(1);
    expect(r.state).toEqual({ ready: false, reason: 'refused' });
    await r.stop(); // the real 0.5 s sleep is aborted, the loop ends
    expect(attempts).toBe(1);
    expect(r.state.ready).toBe(false);
  });
});

describe('discovery against a real upstream', () => {
  it('a standalone gateway is not ready while the upstream does not list the configured model', async () => {
    const upstream = await startFakeUpstream({ models: ['Qwen/Qwen3-8B', 'other'] });
    const gw = await openGateway({ upstreamUrl: upstream.url, upstreamModel: 'qwen3' });
    try {
      expect(gw.upstream.state).toEqual({ ready: false, reason: expect.stringContaining('does not list model "qwen3" (it lists "Qwen/Qwen3-8B", "other")') });
      const r = await fetch(`${gw.url}/readyz`);
      expect(r.status).toBe(503);
      expect(await r.json()).toEqual({ ready: false, reason: gw.upstream.state.ready ? '' : gw.upstream.state.reason });
    } finally {
      await gw.close();
      await upstream.close();
    }
  });

  it('a listed configured model makes it ready at the first attempt', async () => {
    const upstream = await startFakeUpstream({ models: ['Qwen/Qwen3-8B', 'other'] });
    const gw = await openGateway({ upstreamUrl: upstream.url, upstreamModel: 'other' });
    try {
      expect(gw.upstream.state).toEqual({ ready: true, model: 'other' });
      expect(await (await fetch(`${gw.url}/readyz`)).json()).toEqual({ ready: true, upstream_model: 'other' });
    } finally {
      await gw.close();
      await upstream.close();
    }
  });

  it('the embedded start still fails fast when the upstream is down, and trusts a configured model', async () => {
    const port = await closedPort();
    await expect(startGateway({ upstreamUrl: `http://127.0.0.1:${port}` })).rejects.toThrow(/cannot list upstream models.*ECONNREFUSED/);
    const gw = await startGateway({ upstreamUrl: `http://127.0.0.1:${port}`, upstreamModel: 'configured' });
    try {
      expect(gw.upstreamModel).toBe('configured');
      expect((await fetch(`${gw.url}/readyz`)).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});
