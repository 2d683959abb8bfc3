// Latency statistics and table formatting shared by the benchmarks.

/** The q-quantile (0..1) of `xs` by nearest rank (xs need not be sorted); NaN when empty. */
export function percentile(xs, q) {
  if (xs.length === 0) return Number.NaN;
  const sorted = Float64Array.from(xs).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

/** p50/p99 of a sample. */
export function p50p99(xs) {
  return { p50: percentile(xs, 0.5), p99: percentile(xs, 0.99) };
}

/** Milliseconds with a precision that suits their size. */
export function ms(v) {
  if (!Number.isFinite(v)) return 'n/a';
  const a = Math.abs(v);
  return a < 10 ? v.toFixed(2) : a < 100 ? v.toFixed(1) : v.toFixed(0);
}

/** A signed difference in ms (`+0.31`, `-0.05`). */
export function signedMs(v) {
  if (!Number.isFinite(v)) return 'n/a';
  return `${v >= 0 ? '+' : ''}${ms(v)}`;
}

/** A Markdown table from a header row and body rows (cells are strings). */
export function markdownTable(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A plain-text table for a terminal: the first column left-aligned, the others right-aligned. */
export function textTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return `${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}\n`;
}

/** Resident set size of a process in MiB, from /proc (Linux); NaN when unavailable. */
export async function rssMb(pid) {
  const { readFile } = await import('node:fs/promises');
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; `stop()` returns the peak in MiB. */
export function rssSampler(pid, everyMs = 200) {
  let peak = Number.NaN;
  const sample = async () => {
    const v = await rssMb(pid);
    if (Number.isFinite(v) && !(v <= peak)) peak = v;
  };
  void sample();
  const timer = setInterval(sample, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await sample();
      return peak;
    },
  };
}

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux); NaN when unavailable. */
export async function cpuMs(pid) {
  const { readFile } = await import('node:fs/promises');
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}
// USER_HZ: 100 on every mainstream Linux build.
const CLOCK_TICKS = 100;
