// `swebench schema <name>`: the JSON Schema of a file the tool writes, for consumers in other languages
// (e.g. Python's jsonschema validating every ses file of a run).
import { Argument, type Command } from 'commander';
import { sesJsonSchema } from '../run/ses-file.js';

/** Schema name → the JSON Schema it prints. */
const SCHEMAS = {
  ses: sesJsonSchema,
} satisfies Record<string, () => Record<string, unknown>>;

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('Print the JSON Schema (draft 2020-12) of a results file: ses = rollout_results/task_<id>/ses_<sid>.json.')
    .addArgument(new Argument('<name>', 'which file').choices(Object.keys(SCHEMAS)))
    .action((name: keyof typeof SCHEMAS) => {
      process.stdout.write(`${JSON.stringify(SCHEMAS[name](), null, 2)}\n`);
    });
}
