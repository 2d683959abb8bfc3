// The command-line reading every benchmark script does: `--name value` options and bare `--flag`s.

/** The value after `--name`, or `fallback` when the option is absent. */
export function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

/** True when `--name` was given. */
export function flag(name) {
  return process.argv.includes(name);
}
