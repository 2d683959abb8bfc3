// `swebench doctor [submit's options]`: will this run work? One line per check (ok / warn / FAIL / skip) with the
// fix for each problem; exit 0 when nothing failed, else the exit code of the first failure's kind.
import type { Command } from 'commander';
import { readConfigFile, resolveSubmitConfig } from '../config/load.js';
import { runDoctor, type CheckResult } from '../doctor/index.js';
import { EXIT_CODES } from '../errors.js';
import { createLogger } from '../logger.js';
import { cancelSignalFromSigint } from './options.js';
import { addRunOptions, flagLayer } from './submit.js';

const MARK: Record<CheckResult['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' };

/** A failed check's exit code, by what it checked (the exit-code table of errors.ts). */
function exitCodeOf(id: string): number {
  if (id.startsWith('docker.') || id === 'images') return EXIT_CODES.docker;
  if (id.startsWith('upstream.')) return EXIT_CODES.gateway;
  return EXIT_CODES.config;
}

export function registerDoctor(program: Command): void {
  const cmd = addRunOptions(
    program
      .command('doctor')
      .description('Check in seconds whether a submit run with these options will work: Docker engine and disk, task images, harness bundles, the model server (models, max_model_len, streaming, tool calls, reasoning field).'),
  ).option('--json', 'print the checks as JSON on stdout');
  cmd.action(async (opts: Record<string, unknown>) => {
    const flags = flagLayer(cmd, opts);
    const file = typeof opts.config === 'string' ? await readConfigFile(opts.config) : undefined;
    const config = resolveSubmitConfig({ file, fileSource: opts.config as string | undefined, flags });
    const logger = createLogger();
    const cancel = cancelSignalFromSigint(logger);
    let results: CheckResult[];
    try {
      results = await runDoctor(config, { signal: cancel.signal, logger });
    } finally {
      cancel.dispose();
    }
    if (opts.json) process.stdout.write(`${JSON.stringify({ ok: !results.some((r) => r.status === 'fail'), checks: results }, null, 2)}\n`);
    else {
      for (const r of results) {
        process.stdout.write(`${MARK[r.status]}  ${r.id.padEnd(18)} ${r.detail}\n`);
        if (r.fix && r.status !== 'ok') process.stdout.write(`      ${' '.repeat(18)} fix: ${r.fix}\n`);
      }
    }
    const first = results.find((r) => r.status === 'fail');
    if (first) process.exitCode = exitCodeOf(first.id);
  });
}
