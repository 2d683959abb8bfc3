// The one rule for live terminal output (progress bars, `\r` updates, ANSI colours): only on an interactive
// terminal — the stream is a TTY, and neither NO_COLOR nor CI (true or 1) is set. Everything else gets plain lines.

/** True when `stream` may show bars, in-place updates and colours. */
export function isInteractive(stream: { isTTY?: boolean } = process.stderr, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR && env.CI !== 'true' && env.CI !== '1';
}
