// `swebench model serve` flag wiring: commander's parsed options become the right server options, and
// bad values fail at the edge with the flag's name. (The serve loop itself is exercised by hand / e2e.)
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { modelServeOptions, registerModel } from '../../../src/cli/model.js';
import { ConfigError } from '../../../src/errors.js';

/** Parses argv with the real command definition, capturing the options instead of serving. */
async function parse(...argv: string[]): Promise<Record<string, unknown>> {
  const program = new Command('swebench').exitOverride();
  registerModel(program);
  const serve = program.commands.find((c) => c.name() === 'model')!.commands.find((c) => c.name() === 'serve')!;
  let captured: Record<string, unknown> = {};
  serve.exitOverride().configureOutput({ writeErr: () => {} }).action((opts: Record<string, unknown>) => {
    captured = opts;
  });
  await program.parseAsync(['node', 'swebench', 'model', 'serve', ...argv]);
  return captured;
}

describe('model serve flags', () => {
  it('maps every chaos flag to its rate, with defaults for the rest', async () => {
    const opts = modelServeOptions(
      await parse(
        '--policy', 'chaos', '--inner-policy', 'noop', '--seed', '9', '--slow-ms', '50', '--port', '8123',
        '--rate-429', '0.1', '--rate-5xx', '0.05', '--rate-disconnect', '0.02', '--rate-reasoning-only', '0.03',
        '--rate-length', '0.04', '--rate-sse-error', '0.06', '--rate-slow', '0.07', '--max-model-len', '250',
      ),
    );
    expect(opts).toMatchObject({
      policy: 'chaos',
      host: '127.0.0.1',
      port: 8123,
      maxModelLen: 250,
      oracleWorkdir: '/testbed',
      chaos: {
        inner: 'noop',
        seed: '9',
        slowMs: 50,
        rates: { '429': 0.1, '5xx': 0.05, disconnect: 0.02, 'reasoning-only': 0.03, length: 0.04, 'sse-error': 0.06, slow: 0.07 },
      },
    });
  });

  it('maps the agentic flags to its knobs (unset ones keep their defaults)', async () => {
    const opts = modelServeOptions(
      await parse(
        '--policy', 'agentic', '--seed', '3', '--agentic-turns', '10', '--agentic-text-rate', '0.2',
        '--agentic-wrong-patch-rate', '0.5', '--agentic-reasoning-chars', '0', '--agentic-output-chars', '80',
      ),
    );
    expect(opts.agentic).toEqual({ seed: '3', turns: 10, textRate: 0.2, wrongPatchRate: 0.5, reasoningChars: 0, outputChars: 80 });
    expect(modelServeOptions(await parse('--policy', 'agentic')).agentic).toEqual({ seed: '0' });
    await expect(async () => modelServeOptions(await parse('--policy', 'agentic', '--agentic-text-rate', '2'))).rejects.toThrow(/--agentic-text-rate/);
    await expect(async () => modelServeOptions(await parse('--policy', 'agentic', '--agentic-turns', '0'))).rejects.toThrow(/--agentic-turns/);
  });

  it('fails at the edge with the flag name', async () => {
    await expect(async () => modelServeOptions(await parse('--policy', 'chaos', '--rate-429', 'often'))).rejects.toThrow(/--rate-429/);
    await expect(async () => modelServeOptions(await parse('--policy', 'nope'))).rejects.toThrow(ConfigError);
    await expect(async () => modelServeOptions(await parse('--policy', 'noop', '--port', '70000'))).rejects.toThrow(/--port/);
    await expect(async () => modelServeOptions(await parse('--policy', 'replay'))).rejects.toThrow(/--replay/);
    await expect(async () => modelServeOptions(await parse('--policy', 'chaos', '--inner-policy', 'chaos'))).rejects.toThrow(/--inner-policy/);
    await expect(parse('--port', '1')).rejects.toThrow(/--policy/);
  });
});
