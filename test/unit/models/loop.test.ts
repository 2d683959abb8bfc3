// The loop model over real HTTP: a shell-tool call on every turn, a different command each time (CLIs stop a
// verbatim repeat), valid arguments for every harness's shell tool, and plain text when no tool is advertised.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_HEADER, startModelServer, type ModelServer } from '../../../src/gateway/models/index.js';
import { HARNESS_TOOLS, schemaProblems } from './helpers.js';

let server: ModelServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startModelServer({ policy: 'loop' });
  client = new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
});
afterAll(() => server.close());

const messages = [{ role: 'user' as const, content: 'fix the bug' }];

describe('loop model', () => {
  for (const [harness, tools] of Object.entries(HARNESS_TOOLS)) {
    it(`${harness}: a valid shell call every turn, never the same command twice`, async () => {
      const commands: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await client.chat.completions.create({ model: 'm', messages, tools }, { headers: { [SESSION_HEADER]: `loop-${harness}` } });
        const choice = r.choices[0]!;
        expect(choice.finish_reason).toBe('tool_calls');
        const call = choice.message.tool_calls![0]!;
        if (call.type !== 'function') throw new Error('not a function call');
        const tool = tools.find((t) => t.function.name === call.function.name)!;
        expect(tool, call.function.name).toBeDefined();
        const args = JSON.parse(call.function.arguments) as Record<string, unknown>;
        expect(schemaProblems(tool.function.parameters as Record<string, unknown>, args)).toEqual([]);
        commands.push(JSON.stringify(args));
      }
      expect(new Set(commands).size).toBe(3);
    });
  }

  it('answers text when no shell tool is advertised (titles, summaries)', async () => {
    const r = await client.chat.completions.create({ model: 'm', messages });
    expect(r.choices[0]!.finish_reason).toBe('stop');
    expect(r.choices[0]!.message.content).toMatch(/no shell tool/);
  });
});
