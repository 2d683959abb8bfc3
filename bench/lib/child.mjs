// Benchmark processes: every actor (upstream, gateway, load clients) runs in its own forked Node process so
// that each one's CPU is its own. A tiny request/reply protocol over the IPC channel drives them.
import { fork } from 'node:child_process';

/** Ends a running child process: SIGTERM, then SIGKILL after 5 s; resolves once it has exited. */
export async function terminate(proc) {
  const gone = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
}

/**
 * Forks `script` and resolves once it reports `{type: 'ready', ...info}`. `call(cmd, args)` sends a command
 * and resolves with the child's reply; `stop()` ends it (SIGTERM, then SIGKILL after 5 s).
 */
export async function startChild(script, { args = [], execArgv = [], env, readyTimeoutMs = 30_000, stdio } = {}) {
  const proc = fork(script, args, {
    execArgv,
    env: { ...process.env, ...env },
    stdio: stdio ?? ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map();
  let nextId = 1;
  let exited = false;
  const failAll = (err) => {
    for (const { reject } of pending.values()) reject(err);
    pending.clear();
  };
  proc.on('exit', (code, signal) => {
    exited = true;
    failAll(new Error(`${script} exited (code ${code}, signal ${signal})`));
  });
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} not ready after ${readyTimeoutMs} ms`)), readyTimeoutMs);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited before ready (code ${code})`));
    });
    proc.on('message', (msg) => {
      if (msg?.type === 'ready') {
        clearTimeout(timer);
        resolve(msg);
      } else if (msg?.type === 'reply' && pending.has(msg.id)) {
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) p.reject(new Error(msg.error));
        else p.resolve(msg.result);
      }
    });
  });
  let info;
  try {
    info = await ready;
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  return {
    pid: proc.pid,
    info,
    call(cmd, payload = {}) {
      if (exited) return Promise.reject(new Error(`${script} is not running`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        proc.send({ type: 'call', id, cmd, payload });
      });
    },
    stop: () => (exited ? Promise.resolve() : terminate(proc)),
  };
}

/** Child side: answers calls with `handlers[cmd](payload)`, announces readiness with `info`, runs `onStop` on SIGTERM. */
export function serveParent(handlers, info = {}, onStop = async () => {}) {
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await onStop().catch(() => undefined);
    process.exit(0); // a normal exit, so that --cpu-prof writes its profile
  };
  process.on('SIGTERM', stop);
  process.on('message', async (msg) => {
    if (msg?.type !== 'call') return;
    const handler = handlers[msg.cmd];
    try {
      if (!handler) throw new Error(`unknown command ${msg.cmd}`);
      const result = await handler(msg.payload ?? {});
      process.send({ type: 'reply', id: msg.id, result });
    } catch (err) {
      process.send({ type: 'reply', id: msg.id, error: String(err?.stack ?? err) });
    }
  });
  process.on('disconnect', stop);
  process.send({ type: 'ready', pid: process.pid, ...info });
}
