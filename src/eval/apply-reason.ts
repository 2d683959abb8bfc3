// Why a patch did not apply, in one line. The apply chain's output mixes successes and failures ("Hunk #1
// succeeded at 69 with fuzz 2." before "2 out of 4 hunks FAILED"), so its last lines alone may quote a success.

/** Lines that say why, best first: patch's per-file verdict, a patch that cannot apply at all, a failed hunk, any error. */
const REASON_PATTERNS: readonly RegExp[] = [
  /\bout of \d+ hunks? FAILED\b/,
  /does not apply|corrupt patch|malformed patch|can't find file|No such file|Only garbage|unexpected end of file/i,
  /patch failed|Rejected hunk|FAILED/,
  /\berror\b|\bfatal\b/i,
];

/** The line of the apply output that says why it failed (else its last line). */
export function applyFailureReason(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  for (const re of REASON_PATTERNS) {
    const hit = lines.find((l) => re.test(l));
    if (hit) return hit;
  }
  return lines.at(-1) ?? 'the patch did not apply (no output)';
}

/** The error message of a failed apply: the reason first (one-line displays show it), then the output's last lines. */
export function applyFailureMessage(output: string, tailLines = 5): string {
  const reason = applyFailureReason(output);
  const tail = output.trimEnd().split('\n').slice(-tailLines).map((l) => l.trim()).filter((l) => l && l !== reason);
  return [reason, ...tail].join('\n');
}
