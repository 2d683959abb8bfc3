// Entry point of the built CLI: wires every command, and is the one top-level catch that maps errors to exit codes.
import { Command, CommanderError } from 'commander';
import { EXIT_CODES, SwebenchError } from '../errors.js';
import { redact } from '../logger.js';
import { registerTasks } from './tasks.js';
import { registerEval } from './eval.js';
import { registerRegrade } from './regrade.js';
import { registerCleanup } from './cleanup.js';
import { registerGateway } from './gateway.js';
import { registerModel } from './model.js';
import { registerSubmit } from './submit.js';
import { registerReport } from './report.js';
import { registerCompare } from './compare.js';
import { registerMerge } from './merge.js';
import { registerHarness } from './harness.js';
import { registerSchema } from './schema.js';
import { registerDoctor } from './doctor.js';
import { registerExport } from './export.js';
import { registerView } from './view.js';
import { VERSION } from '../version.js';

export function buildProgram(): Command {
  const program = new Command('swebench')
    .description('Run coding-agent harnesses on SWE-bench tasks in Docker and grade them like the official harness.')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  registerTasks(program);
  registerEval(program);
  registerRegrade(program);
  registerCleanup(program);
  registerGateway(program);
  registerModel(program);
  registerSubmit(program);
  registerReport(program);
  registerCompare(program);
  registerMerge(program);
  registerHarness(program);
  registerSchema(program);
  registerDoctor(program);
  registerExport(program);
  registerView(program);
  return program;
}

/** Writes an error to stderr the way users see it, and returns the exit code it maps to. */
export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander already printed its message (unknown option, missing argument, --help, --version).
    return err.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.config;
  }
  if (err instanceof SwebenchError) {
    process.stderr.write(redact(`error: ${err.message}\n`));
    if (err.hint) process.stderr.write(redact(`hint: ${err.hint}\n`));
    return err.exitCode;
  }
  const e = err as Error;
  process.stderr.write(redact(`internal error: ${e?.stack ?? String(err)}\n`));
  return EXIT_CODES.internal;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    process.exitCode = reportError(err);
  }
}

await main();
