// A small reader of git unified diffs for the agentic model: which files a patch touches and how, and each hunk's
// old and new text, so a patch can be replayed through a harness's own edit tool (old → new string), written as
// codex's apply_patch envelope, or turned into a plausible wrong patch.

/** One hunk: its header and body lines, each still carrying its ' ', '-' or '+' prefix. */
export interface DiffHunk {
  oldStart: number;
  /** Text after the second `@@` (often the enclosing function), trimmed. */
  section: string;
  lines: string[];
}

/** One file of a patch. */
export interface DiffFile {
  /** Repository-relative path (the new path; the old one for deletions). */
  path: string;
  kind: 'modify' | 'add' | 'delete' | 'rename';
  binary: boolean;
  hunks: DiffHunk[];
}

const GIT_HEADER = /^diff --git a\/(.+?) b\/(.+)$/;
const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/;

/** Parses `git diff` output; unknown lines between files are ignored. */
export function parseDiff(patch: string): DiffFile[] {
  const files: DiffFile[] = [];
  const lines = patch.split('\n');
  let file: DiffFile | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const git = GIT_HEADER.exec(line);
    if (git) {
      file = { path: git[2]!, kind: 'modify', binary: false, hunks: [] };
      if (git[1] !== git[2]) file.kind = 'rename';
      files.push(file);
      continue;
    }
    if (!file) continue;
    if (line.startsWith('new file mode')) file.kind = 'add';
    else if (line.startsWith('deleted file mode')) {
      file.kind = 'delete';
    } else if (line.startsWith('rename from') || line.startsWith('copy from')) file.kind = 'rename';
    else if (line === 'GIT binary patch' || line.startsWith('Binary files ')) file.binary = true;
    else {
      const h = HUNK_HEADER.exec(line);
      if (!h) continue;
      let oldLeft = h[2] === undefined ? 1 : Number(h[2]);
      let newLeft = h[4] === undefined ? 1 : Number(h[4]);
      const hunk: DiffHunk = { oldStart: Number(h[1]), section: h[5]!.trim(), lines: [] };
      while ((oldLeft > 0 || newLeft > 0) && i + 1 < lines.length) {
        const body = lines[++i]!;
        if (body.startsWith('\\')) continue; // "\ No newline at end of file"
        const tag = body[0] ?? ' ';
        if (tag === '-') oldLeft--;
        else if (tag === '+') newLeft--;
        else {
          oldLeft--;
          newLeft--;
        }
        hunk.lines.push(tag === ' ' || tag === '-' || tag === '+' ? body : ` ${body}`);
      }
      file.hunks.push(hunk);
    }
  }
  return files;
}

/** The old and new text of a hunk (lines joined by newlines, no trailing newline). */
export function hunkTexts(hunk: DiffHunk): { oldText: string; newText: string } {
  const oldLines = hunk.lines.filter((l) => l[0] !== '+').map((l) => l.slice(1));
  const newLines = hunk.lines.filter((l) => l[0] !== '-').map((l) => l.slice(1));
  return { oldText: oldLines.join('\n'), newText: newLines.join('\n') };
}

/** True when every file is a text modification with exactly one hunk: what a string-replace edit tool can do. */
export function editableByReplace(files: DiffFile[]): boolean {
  return (
    files.length > 0 &&
    files.every((f) => f.kind === 'modify' && !f.binary && f.hunks.length === 1 && hunkTexts(f.hunks[0]!).oldText.trim() !== '')
  );
}

/** True when codex's apply_patch format can express the patch (no binary files, no renames). */
export function expressibleAsApplyPatch(files: DiffFile[]): boolean {
  return files.length > 0 && files.every((f) => !f.binary && f.kind !== 'rename');
}

/** The patch in codex's apply_patch envelope (`*** Begin Patch` … `*** End Patch`). */
export function toApplyPatch(files: DiffFile[]): string {
  const out = ['*** Begin Patch'];
  for (const f of files) {
    if (f.kind === 'delete') {
      out.push(`*** Delete File: ${f.path}`);
      continue;
    }
    if (f.kind === 'add') {
      out.push(`*** Add File: ${f.path}`);
      for (const h of f.hunks) for (const l of h.lines) if (l[0] === '+') out.push(l);
      continue;
    }
    out.push(`*** Update File: ${f.path}`);
    for (const h of f.hunks) out.push(h.section ? `@@ ${h.section}` : '@@', ...h.lines);
  }
  out.push('*** End Patch');
  return out.join('\n');
}

/** Line-comment prefix by file extension, for the wrong patch's comment. */
const COMMENT_PREFIX: Array<[RegExp, string]> = [
  [/\.(py|pyi|pyx|sh|bash|rb|pl|r|toml|ya?ml|cfg|ini|mk|cmake)$|(^|\/)(Makefile|Dockerfile)$/i, '#'],
  [/\.(js|jsx|mjs|cjs|ts|tsx|c|h|cc|cpp|hpp|java|go|rs|kt|swift|scala|cs|php|dart)$/i, '//'],
  [/\.(sql|lua|hs)$/i, '--'],
];

/**
 * A plausible but wrong patch: a comment above the code the gold patch changes, in its first text-modified file
 * (so the patch is not empty and touches the right place, but fixes nothing); a notes file when no such file has a
 * known comment syntax.
 */
export function wrongPatchFor(files: DiffFile[], note: string): string {
  for (const f of files) {
    const prefix = COMMENT_PREFIX.find(([re]) => re.test(f.path))?.[1];
    const hunk = f.hunks[0];
    if (!prefix || f.kind !== 'modify' || f.binary || !hunk) continue;
    const firstChange = hunk.lines.findIndex((l) => l[0] !== ' ');
    if (firstChange < 0) continue;
    const before = hunk.lines.slice(0, firstChange);
    const anchor = hunk.lines.slice(firstChange).filter((l) => l[0] !== '+');
    const old = [...before, ...anchor.map((l) => ` ${l.slice(1)}`)];
    const indent = /^\s*/.exec(anchor[0]?.slice(1) ?? before.at(-1)?.slice(1) ?? '')![0];
    const body = [...before, `+${indent}${prefix} ${note}`, ...anchor.map((l) => ` ${l.slice(1)}`)];
    return [
      `diff --git a/${f.path} b/${f.path}`,
      `--- a/${f.path}`,
      `+++ b/${f.path}`,
      `@@ -${hunk.oldStart},${old.length} +${hunk.oldStart},${body.length} @@`,
      ...body,
      '',
    ].join('\n');
  }
  const lines = [`# Notes`, '', note];
  return ['diff --git a/SWEBENCH_NOTES.md b/SWEBENCH_NOTES.md', 'new file mode 100644', '--- /dev/null', '+++ b/SWEBENCH_NOTES.md', `@@ -0,0 +1,${lines.length} @@`, ...lines.map((l) => `+${l}`), ''].join('\n');
}
