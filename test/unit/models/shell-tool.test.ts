// Pure checks of the shell-tool table: which advertised tool wins and how odd schemas are filled.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildShellArguments, findShellTool } from '../../../src/gateway/models/index.js';
import { schemaProblems } from './helpers.js';

const HARNESS_TOOLS = JSON.parse(readFileSync(path.join(import.meta.dirname, 'fixtures/harness-tools.json'), 'utf8')) as Record<string, Array<Record<string, unknown>>>;

const tool = (name: string, parameters: Record<string, unknown>) => ({ type: 'function' as const, function: { name, parameters } });
const ctx = { workdir: '/testbed', description: 'Apply the gold patch' };

describe('findShellTool', () => {
  it('prefers the table order over the advertised order', () => {
    const tools = [tool('shell', { properties: { command: { type: 'array' } } }), tool('bash', { properties: { command: { type: 'string' } } })];
    expect(findShellTool(tools)?.name).toBe('bash');
  });

  it('matches names case-insensitively when no exact name exists', () => {
    expect(findShellTool([tool('BASH', { properties: { command: { type: 'string' } } })])?.name).toBe('BASH');
  });

  it('skips a shell-named tool without a usable command property, and returns undefined when nothing fits', () => {
    const tools = [tool('bash', { properties: { flag: { type: 'boolean' } }, required: ['flag'] }), tool('run_shell_command', { properties: { command: { type: 'string' } } })];
    expect(findShellTool(tools)?.name).toBe('run_shell_command');
    expect(findShellTool([tool('read', { properties: { path: { type: 'string' } } })])).toBeUndefined();
    expect(findShellTool(undefined)).toBeUndefined();
  });

  it('takes a script string when the command accepts string or array, argv when only array', () => {
    const either = findShellTool([tool('bash', { properties: { command: { anyOf: [{ type: 'array' }, { type: 'string' }] } } })])!;
    expect(either.argv).toBe(false);
    const onlyArray = findShellTool([tool('shell', { properties: { command: { type: ['array', 'null'], items: { type: 'string' } } } })])!;
    expect(buildShellArguments(onlyArray, 'echo hi', ctx)).toEqual({ command: ['bash', '-lc', 'echo hi'] });
  });

  it("openclaw's exec: found in its real tool list with just the command; never over a better name, never its code-mode JavaScript exec", () => {
    const tools = HARNESS_TOOLS.openclaw!;
    const t = findShellTool(tools)!;
    expect(t).toMatchObject({ name: 'exec', commandProperty: 'command', argv: false });
    expect(buildShellArguments(t, 'git status', ctx)).toEqual({ command: 'git status' });
    // codex's exec_command and a bash tool both win over a generic exec
    expect(findShellTool([tool('exec', { properties: { command: { type: 'string' } }, required: ['command'] }), ...HARNESS_TOOLS.codex!])?.name).toBe('exec_command');
    expect(findShellTool([tool('exec', { properties: { command: { type: 'string' } } }), tool('bash', { properties: { command: { type: 'string' } } })])?.name).toBe('bash');
    // --code-mode code: `exec` takes JavaScript in `code`; shell text must not go there
    expect(findShellTool([tool('exec', { type: 'object', properties: { code: { type: 'string' } }, required: ['code'] })])).toBeUndefined();
  });

  it('uses a required string property as the command when none has a known name', () => {
    const t = findShellTool([tool('terminal', { type: 'object', properties: { input: { type: 'string' } }, required: ['input'] })])!;
    expect(buildShellArguments(t, 'ls', ctx)).toEqual({ input: 'ls' });
  });
});

describe('buildShellArguments', () => {
  it('fills required properties from defaults, consts, enums, names and types, within bounds', () => {
    const schema = {
      type: 'object',
      properties: {
        command: { type: 'string' },
        timeout: { type: 'integer', exclusiveMinimum: 0, maximum: 120000 },
        shell: { type: 'string', default: 'zsh' },
        kind: { const: 'exec' },
        directory: { type: 'string' },
        retries: { type: 'integer', minimum: 2 },
        tags: { type: 'array', items: { type: 'string' } },
        sandbox: { type: 'boolean' },
      },
      required: ['command', 'timeout', 'shell', 'kind', 'directory', 'retries', 'tags', 'sandbox'],
      additionalProperties: false,
    };
    const args = buildShellArguments(findShellTool([tool('bash', schema)])!, 'ls', ctx);
    expect(args).toEqual({ command: 'ls', timeout: 120000, shell: 'zsh', kind: 'exec', directory: '/testbed', retries: 2, tags: [], sandbox: false });
    expect(schemaProblems(args, schema)).toEqual([]);
  });

  it('adds an optional description, and nothing else optional', () => {
    const schema = { type: 'object', properties: { command: { type: 'string' }, description: { type: 'string' }, workdir: { type: 'string' } }, required: ['command'] };
    expect(buildShellArguments(findShellTool([tool('Bash', schema)])!, 'ls', ctx)).toEqual({ command: 'ls', description: 'Apply the gold patch' });
  });
});
