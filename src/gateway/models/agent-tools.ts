// The harness's own non-shell tools the agentic model drives, found by name and checked against their JSON schema:
// what each one is for (a role), which advertised names play it, and which property carries each argument. A role
// no advertised tool can play falls back to the shell tool. Names and schemas from the real CLIs' requests
// (test/unit/models/fixtures/harness-tools.json): opencode read/grep/glob/edit, claude-code Read/Edit/Write,
// qwen-code read_file/grep_search/glob/edit, codex exec_command + write_stdin (apply_patch when advertised).
import type { ChatTool } from '../protocols/types.js';
import { fillRequired, toolName, toolSchema, type FillContext } from './shell-tool.js';

type Schema = Record<string, unknown>;

/** What a tool is used for, and the logical arguments it takes. */
export const TOOL_ROLES = {
  read: { names: ['read', 'Read', 'read_file', 'view_file', 'view'], args: { path: ['filePath', 'file_path', 'absolute_path', 'path'] } },
  grep: {
    names: ['grep', 'Grep', 'grep_search', 'search_file_content', 'search_files', 'search'],
    args: { pattern: ['pattern', 'regex', 'query'], path: ['path', 'dir_path', 'directory'] },
  },
  glob: { names: ['glob', 'Glob', 'find_files'], args: { pattern: ['pattern', 'glob'], path: ['path', 'dir_path', 'directory'] } },
  list: { names: ['list_directory', 'list', 'ls', 'LS', 'list_dir'], args: { path: ['path', 'dir_path', 'directory', 'absolute_path'] } },
  edit: {
    names: ['edit', 'Edit', 'replace', 'str_replace', 'edit_file'],
    args: { path: ['filePath', 'file_path', 'absolute_path', 'path'], old: ['oldString', 'old_string', 'old_str'], new: ['newString', 'new_string', 'new_str'] },
  },
  /** codex's apply_patch: a freeform tool the gateway offers upstream as a function with one `input` string. */
  patch: { names: ['apply_patch'], args: { input: ['input', 'patch'] } },
  /** codex's write_stdin: types into a session started by exec_command (tty) and returns its output. */
  stdin: { names: ['write_stdin'], args: { session: ['session_id'], chars: ['chars'] } },
} as const satisfies Record<string, { names: readonly string[]; args: Record<string, readonly string[]> }>;

export type ToolRole = keyof typeof TOOL_ROLES;
type RoleArgs<R extends ToolRole> = keyof (typeof TOOL_ROLES)[R]['args'];

/** An advertised tool chosen for a role, with the property name of each logical argument. */
export interface RoleTool<R extends ToolRole = ToolRole> {
  name: string;
  schema: Schema;
  props: Record<RoleArgs<R>, string | undefined>;
}

function propsOf(schema: Schema): Record<string, unknown> {
  const p = schema.properties;
  return p && typeof p === 'object' && !Array.isArray(p) ? (p as Record<string, unknown>) : {};
}

/**
 * The advertised tool for a role, or undefined. A tool qualifies when its name is in the role's list and its schema
 * has a property for every logical argument the role needs (optional `path`s of grep/glob may be missing).
 */
export function findRoleTool<R extends ToolRole>(tools: ReadonlyArray<ChatTool | Record<string, unknown>> | undefined, role: R): RoleTool<R> | undefined {
  const spec = TOOL_ROLES[role];
  const list = (tools ?? []).map((t) => ({ name: toolName(t), schema: toolSchema(t) }));
  for (const wanted of spec.names as readonly string[]) {
    const hit = list.find((t) => t.name === wanted);
    if (!hit) continue;
    const props = propsOf(hit.schema);
    const chosen: Record<string, string | undefined> = {};
    let usable = true;
    for (const [arg, candidates] of Object.entries(spec.args) as Array<[string, readonly string[]]>) {
      chosen[arg] = candidates.find((c) => c in props);
      const optional = arg === 'path' && (role === 'grep' || role === 'glob');
      if (!chosen[arg] && !optional) usable = false;
    }
    if (usable) return { name: wanted, schema: hit.schema, props: chosen as Record<RoleArgs<R>, string | undefined> };
  }
  return undefined;
}

/** The arguments of a call: the logical values under the tool's property names, plus every other required property. */
export function roleArguments<R extends ToolRole>(tool: RoleTool<R>, values: Partial<Record<RoleArgs<R>, unknown>>, ctx: FillContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [arg, value] of Object.entries(values)) {
    const prop = tool.props[arg as RoleArgs<R>];
    if (prop && value !== undefined) out[prop] = value;
  }
  return { ...out, ...fillRequired(tool.schema, ctx, new Set(Object.keys(out))) };
}
