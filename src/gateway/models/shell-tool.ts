// Finds the shell tool a harness advertises and builds valid arguments for it from its JSON schema,
// so one oracle drives opencode (`bash`), codex (`exec_command`/`shell`), claude (`Bash`), qwen and
// gemini (`run_shell_command`), openclaw (`exec`) without knowing which harness is on the other end.
import type { ChatTool } from '../protocols/types.js';

type Schema = Record<string, unknown>;

/** Shell tool names, most specific first. A name matches exactly, then case-insensitively. */
export const SHELL_TOOL_NAMES = [
  'bash',
  'Bash',
  'exec_command',
  'shell',
  'run_shell_command',
  'execute_bash',
  'terminal',
  'shell_command',
  'local_shell',
  'run_command',
  'execute_command',
  'run_terminal_cmd',
  'exec',
] as const;

/**
 * Generic names other tools also use, accepted only with this command property: openclaw's shell tool is `exec`
 * (`command`), but in its code mode `exec` runs JavaScript, and shell text must not be sent there.
 */
const COMMAND_PROPERTY_OF: Partial<Record<string, string>> = { exec: 'command' };

/** Names of the property that carries the command, in preference order. */
export const COMMAND_PROPERTIES = ['command', 'cmd', 'script', 'commands', 'shell_command', 'code'] as const;

/** A chosen shell tool and the name of its command property. */
export interface ShellTool {
  name: string;
  schema: Schema;
  commandProperty: string;
  /** True when the command property takes an argv array rather than a script string. */
  argv: boolean;
}

/** Value picked for a required non-command property, by property name (first regex that matches). */
const NAMED_VALUES: Array<{ match: RegExp; value: (ctx: FillContext, s: Schema) => unknown }> = [
  { match: /^(description|justification|reason|explanation|summary|title)$/i, value: (c) => c.description },
  { match: /^(workdir|cwd|directory|dir|working_?directory|path)$/i, value: (c) => c.workdir },
  { match: /^shell$/i, value: () => 'bash' },
  { match: /timeout/i, value: (_c, s) => clampNumber(600_000, s) },
  { match: /(tokens|bytes|chars|lines)$/i, value: (_c, s) => clampNumber(100_000, s) },
];

/** What the name hints fill in: the repository directory and a one-line description of the call. */
export interface FillContext {
  workdir: string;
  description: string;
}

function asSchema(v: unknown): Schema {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Schema) : {};
}

/** The schema's types, flattening `type: [..]` and `anyOf`/`oneOf` branches; `null` removed. */
function typesOf(s: Schema): string[] {
  const out: string[] = [];
  if (typeof s.type === 'string') out.push(s.type);
  if (Array.isArray(s.type)) out.push(...s.type.filter((t): t is string => typeof t === 'string'));
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = s[key];
    if (Array.isArray(branches)) for (const b of branches) out.push(...typesOf(asSchema(b)));
  }
  return out.filter((t) => t !== 'null');
}

/** The name of an advertised tool (chat `function.name`, or a bare `name`). */
export function toolName(tool: ChatTool | Record<string, unknown>): string | undefined {
  const t = tool as { function?: { name?: unknown }; name?: unknown };
  const name = t.function?.name ?? t.name;
  return typeof name === 'string' ? name : undefined;
}

/** The parameters JSON schema of an advertised tool (empty object when it has none). */
export function toolSchema(tool: ChatTool | Record<string, unknown>): Schema {
  const t = tool as { function?: { parameters?: unknown }; parameters?: unknown };
  return asSchema(t.function?.parameters ?? t.parameters);
}

function commandPropertyOf(schema: Schema): { name: string; argv: boolean } | undefined {
  const props = asSchema(schema.properties);
  const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [];
  const named = COMMAND_PROPERTIES.find((p) => p in props);
  const fallback = required.find((r) => {
    const types = typesOf(asSchema(props[r]));
    return types.includes('string') || types.includes('array');
  });
  const name = named ?? fallback;
  if (!name) return undefined;
  const types = typesOf(asSchema(props[name]));
  return { name, argv: types.includes('array') && !types.includes('string') };
}

/** Picks the advertised shell tool by the priority table; undefined when none is usable. */
export function findShellTool(tools: ReadonlyArray<ChatTool | Record<string, unknown>> | undefined): ShellTool | undefined {
  const list = (tools ?? []).map((t) => ({ name: toolName(t), schema: toolSchema(t) })).filter((t) => t.name !== undefined);
  const candidates = SHELL_TOOL_NAMES.flatMap((wanted) => {
    const exact = list.filter((t) => t.name === wanted);
    return exact.length > 0 ? exact : list.filter((t) => t.name!.toLowerCase() === wanted.toLowerCase());
  });
  for (const c of candidates) {
    const cmd = commandPropertyOf(c.schema);
    const wanted = COMMAND_PROPERTY_OF[c.name!.toLowerCase()];
    if (cmd && (wanted === undefined || cmd.name === wanted)) return { name: c.name!, schema: c.schema, commandProperty: cmd.name, argv: cmd.argv };
  }
  return undefined;
}

function clampNumber(wanted: number, s: Schema): number {
  let v = typeof s.default === 'number' ? s.default : wanted;
  if (typeof s.maximum === 'number') v = Math.min(v, s.maximum);
  if (typeof s.exclusiveMaximum === 'number') v = Math.min(v, s.exclusiveMaximum - 1);
  if (typeof s.minimum === 'number') v = Math.max(v, s.minimum);
  if (typeof s.exclusiveMinimum === 'number') v = Math.max(v, s.exclusiveMinimum + 1);
  return typesOf(s).includes('integer') ? Math.floor(v) : v;
}

function typeMatches(v: unknown, types: string[]): boolean {
  if (types.length === 0) return true;
  if (typeof v === 'number') return types.includes('number') || types.includes('integer');
  return types.includes(typeof v);
}

/** A sensible value for a required property from its schema (default, enum, name hint, then type). */
function fillValue(name: string, s: Schema, ctx: FillContext): unknown {
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if ('default' in s && s.default !== undefined) return s.default;
  const types = typesOf(s);
  const hint = NAMED_VALUES.find((n) => n.match.test(name));
  if (hint) {
    const v = hint.value(ctx, s);
    if (typeMatches(v, types)) return v;
  }
  const type = types[0];
  switch (type) {
    case 'boolean':
      return false;
    case 'integer':
    case 'number':
      return clampNumber(0, s);
    case 'array':
      return [];
    case 'object':
      return fillRequired(s, ctx, new Set());
    default:
      return 'oracle';
  }
}

/** A value for every required property of `schema` not in `skip`. */
export function fillRequired(schema: Schema, ctx: FillContext, skip: Set<string>): Record<string, unknown> {
  const props = asSchema(schema.properties);
  const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [];
  const out: Record<string, unknown> = {};
  for (const r of required) if (!skip.has(r)) out[r] = fillValue(r, asSchema(props[r]), ctx);
  return out;
}

/**
 * Arguments for the tool: the script (or `["bash","-lc",script]`) plus every other required property, and an
 * optional string `description` when the tool has one (harnesses show it in their transcripts).
 */
export function buildShellArguments(tool: ShellTool, script: string, ctx: FillContext): Record<string, unknown> {
  const command = tool.argv ? ['bash', '-lc', script] : script;
  const args = { [tool.commandProperty]: command, ...fillRequired(tool.schema, ctx, new Set([tool.commandProperty])) };
  const description = asSchema(asSchema(tool.schema.properties).description);
  if (!('description' in args) && typesOf(description).includes('string')) args.description = ctx.description;
  return args;
}
