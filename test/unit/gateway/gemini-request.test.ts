import { describe, expect, it } from 'vitest';
import { geminiProtocol } from '../../../src/gateway/protocols/gemini.js';
import { ProtocolRequestError } from '../../../src/gateway/protocols/types.js';
import { testCtx } from './responses-fixtures.js';

const ctx = testCtx();
const toChat = (body: unknown, c = ctx) => geminiProtocol.toChat(body, c);
const user = (...parts: object[]) => ({ role: 'user', parts });
const model = (...parts: object[]) => ({ role: 'model', parts });

// gemini-cli 0.61.0's tool schemas (reference harness-more.md §2c)
const RUN_SHELL = {
  name: 'run_shell_command',
  description: 'Executes a given shell command as `bash -c <command>`.',
  parametersJsonSchema: {
    type: 'object',
    properties: { command: { type: 'string' }, description: { type: 'string' }, dir_path: { type: 'string' }, is_background: { type: 'boolean' }, delay_ms: { type: 'integer' } },
    required: ['command'],
  },
};
const WRITE_FILE = {
  name: 'write_file',
  description: 'Writes content to a file.',
  parametersJsonSchema: { type: 'object', properties: { file_path: { type: 'string' }, content: { type: 'string' } }, required: ['file_path', 'content'] },
};

// gemini-cli turn 2, verbatim shape (reference harness-claude-qwen-gemini.md §4b), trimmed.
const geminiCliTurn2 = {
  contents: [
    user({ text: '<session_context>\nThis is the Gemini CLI.\n</session_context>' }, { text: 'Fix the bug in calc.py' }),
    model({
      functionCall: { id: 'run_shell_command_1795253955386_0', name: 'run_shell_command', args: { command: 'echo hi > x.txt' } },
      thoughtSignature: 'skip_thought_signature_validator',
    }),
    user({
      functionResponse: {
        id: 'run_shell_command_1795253955386_0',
        name: 'run_shell_command',
        response: { output: '<untrusted_context>\nOutput: (empty)\nProcess Group PGID: 14669\n</untrusted_context>' },
      },
    }),
  ],
  systemInstruction: { role: 'user', parts: [{ text: 'You are Gemini CLI, an interactive CLI agent.' }] },
  tools: [{ functionDeclarations: [RUN_SHELL, WRITE_FILE] }],
  generationConfig: { temperature: 1, topP: 0.95, topK: 64, thinkingConfig: { includeThoughts: true } },
};

describe('gemini request: gemini-cli samples', () => {
  it('translates a tool turn: system, joined user parts, functionCall, functionResponse, tools, sampling', () => {
    const req = toChat(geminiCliTurn2);
    expect(req.messages).toEqual([
      { role: 'system', content: 'You are Gemini CLI, an interactive CLI agent.' },
      { role: 'user', content: '<session_context>\nThis is the Gemini CLI.\n</session_context>\nFix the bug in calc.py' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ id: 'run_shell_command_1795253955386_0', type: 'function', function: { name: 'run_shell_command', arguments: '{"command":"echo hi > x.txt"}' } }],
      },
      { role: 'tool', tool_call_id: 'run_shell_command_1795253955386_0', content: '<untrusted_context>\nOutput: (empty)\nProcess Group PGID: 14669\n</untrusted_context>' },
    ]);
    expect(req.tools).toEqual([
      { type: 'function', function: { name: 'run_shell_command', description: RUN_SHELL.description, parameters: RUN_SHELL.parametersJsonSchema } },
      { type: 'function', function: { name: 'write_file', description: WRITE_FILE.description, parameters: WRITE_FILE.parametersJsonSchema } },
    ]);
    expect(req).toMatchObject({ model: 'upstream-model', temperature: 1, top_p: 0.95 });
    for (const k of ['tool_choice', 'max_tokens', 'topK', 'top_k', 'thinkingConfig', 'contents', 'generationConfig', 'stream']) expect(req).not.toHaveProperty(k);
  });

  it('the URL-less body has no model: the upstream model is used; maxOutputTokens is capped like the other protocols', () => {
    expect(toChat({ contents: [user({ text: 'q' })] }, testCtx({ maxOutputTokens: 4096 })).max_tokens).toBe(4096);
    expect(toChat({ contents: [user({ text: 'q' })], generationConfig: { maxOutputTokens: 100000 } }, testCtx({ maxOutputTokens: 4096 })).max_tokens).toBe(4096);
    expect(toChat({ contents: [user({ text: 'q' })], generationConfig: { maxOutputTokens: 512 } }, testCtx({ maxOutputTokens: 4096 })).max_tokens).toBe(512);
    expect(toChat({ contents: [user({ text: 'q' })], generationConfig: { maxOutputTokens: 512 } }).max_tokens).toBe(512);
  });

  it('systemInstruction as a Content, a bare Part or a string; a content without role is a user turn', () => {
    for (const systemInstruction of [{ parts: [{ text: 'S1' }, { text: 'S2' }] }, { text: 'S1\n\nS2' }, 'S1\n\nS2']) {
      expect(toChat({ systemInstruction, contents: [{ parts: [{ text: 'q' }] }] }).messages).toEqual([
        { role: 'system', content: 'S1\n\nS2' },
        { role: 'user', content: 'q' },
      ]);
    }
  });
});

describe('gemini request: reasoning', () => {
  const withModel = (...parts: object[]) => toChat({ contents: [user({ text: 'q' }), model(...parts), user({ text: 'more' })] }).messages[1];

  it('our sealed thoughtSignature restores reasoning_content; gemini-cli\'s validator skip or a tampered one restores nothing', () => {
    const sealed = ctx.sealReasoning('I should run the tests.');
    const call = { functionCall: { id: 'c1', name: 'run_shell_command', args: { command: 'pytest' } } };
    expect(withModel({ ...call, thoughtSignature: sealed })).toMatchObject({ reasoning_content: 'I should run the tests.' });
    expect(withModel({ ...call, thoughtSignature: 'skip_thought_signature_validator' })!.reasoning_content).toBeUndefined();
    expect(withModel({ ...call, thoughtSignature: sealed.slice(0, -2) + 'xx' })!.reasoning_content).toBeUndefined();
  });

  it('visible thought parts are kept as reasoning when no signature of ours came back; our signature wins over them', () => {
    expect(withModel({ text: 'thinking aloud', thought: true }, { text: 'answer' })).toEqual({ role: 'assistant', content: 'answer', reasoning_content: 'thinking aloud' });
    expect(withModel({ text: 'edited', thought: true }, { text: 'answer', thoughtSignature: ctx.sealReasoning('real') })).toEqual({ role: 'assistant', content: 'answer', reasoning_content: 'real' });
    // a model turn of nothing but thoughts is dropped (chat has no reasoning-only assistant message)
    expect(toChat({ contents: [user({ text: 'q' }), model({ text: 't', thought: true }), user({ text: 'more' })] }).messages).toEqual([
      { role: 'user', content: 'q' },
      { role: 'user', content: 'more' },
    ]);
  });
});

describe('gemini request: function calls and responses', () => {
  it('several functionResponses in one user content become one tool message each, before that content\'s text', () => {
    const req = toChat({
      contents: [
        user({ text: 'go' }),
        model({ text: 'Running two.' }, { functionCall: { id: 'a', name: 'run_shell_command', args: { command: 'ls' } } }, { functionCall: { id: 'b', name: 'write_file', args: { file_path: 'x', content: 'y' } } }),
        user(
          { text: 'and then stop' },
          { functionResponse: { id: 'a', name: 'run_shell_command', response: { output: 'calc.py' } } },
          { functionResponse: { id: 'b', name: 'write_file', response: { error: 'Permission denied' } } },
        ),
      ],
    });
    expect(req.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: 'Running two.',
        tool_calls: [
          { id: 'a', type: 'function', function: { name: 'run_shell_command', arguments: '{"command":"ls"}' } },
          { id: 'b', type: 'function', function: { name: 'write_file', arguments: '{"file_path":"x","content":"y"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'a', content: 'calc.py' },
      { role: 'tool', tool_call_id: 'b', content: 'Error: Permission denied' },
      { role: 'user', content: 'and then stop' },
    ]);
  });

  it('response text: output, error (as said), structured output as JSON, anything else as the JSON of the response', () => {
    const toolContent = (response: unknown) =>
      toChat({ contents: [model({ functionCall: { id: 'a', name: 'f', args: {} } }), user({ functionResponse: { id: 'a', name: 'f', response } })] }).messages[1]!.content;
    expect(toolContent({ output: 'ok' })).toBe('ok');
    expect(toolContent({ error: 'Error: Could not find an exact match' })).toBe('Error: Could not find an exact match');
    expect(toolContent({ output: { files: ['a'] } })).toBe('{"files":["a"]}');
    expect(toolContent({ result: 42, extra: true })).toBe('{"result":42,"extra":true}');
    expect(toolContent(undefined)).toBe('{}');
  });

  it('calls without ids get stable positional ids; responses without ids pair with the open calls by name, in order', () => {
    const body = {
      contents: [
        user({ text: 'go' }),
        model({ functionCall: { name: 'run_shell_command', args: { command: 'a' } } }, { functionCall: { name: 'write_file', args: {} } }, { functionCall: { name: 'run_shell_command', args: { command: 'b' } } }),
        user(
          { functionResponse: { name: 'write_file', response: { output: 'w' } } },
          { functionResponse: { name: 'run_shell_command', response: { output: 'ra' } } },
          { functionResponse: { name: 'run_shell_command', response: { output: 'rb' } } },
          { functionResponse: { name: 'unknown_tool', response: { output: 'orphan' } } },
        ),
      ],
    };
    const req = toChat(body);
    expect(req.messages[1]!.tool_calls!.map((c) => c.id)).toEqual(['call_1_0', 'call_1_1', 'call_1_2']);
    expect(req.messages.slice(2).map((m) => [m.tool_call_id, m.content])).toEqual([
      ['call_1_1', 'w'],
      ['call_1_0', 'ra'],
      ['call_1_2', 'rb'],
      ['call_2_3', 'orphan'],
    ]);
    expect(toChat(body)).toEqual(req); // stable: the same history gives the same ids every time
  });

  it("gemini-cli's `<name>__` id prefix is removed, so the upstream sees its own ids", () => {
    const req = toChat({
      contents: [
        model({ functionCall: { id: 'run_shell_command__chatcmpl-tool-9f', name: 'run_shell_command', args: {} } }),
        user({ functionResponse: { id: 'run_shell_command__chatcmpl-tool-9f', name: 'run_shell_command', response: { output: '' } } }),
      ],
    });
    expect([req.messages[0]!.tool_calls![0]!.id, req.messages[1]!.tool_call_id]).toEqual(['chatcmpl-tool-9f', 'chatcmpl-tool-9f']);
  });

  it('media parts become placeholders; code-execution parts are skipped', () => {
    const req = toChat({
      contents: [user({ text: 'see' }, { inlineData: { mimeType: 'image/png', data: 'AAAA' } }, { fileData: { fileUri: 'gs://x' } }), model({ executableCode: { code: 'print(1)' } }, { text: 'done' })],
    });
    expect(req.messages).toEqual([
      { role: 'user', content: 'see\n[inline data omitted by the gateway]\n[file omitted by the gateway]' },
      { role: 'assistant', content: 'done' },
    ]);
  });
});

describe('gemini request: tools and config', () => {
  it('Gemini-typed `parameters` become JSON Schema: lower-case types, nullable, int64 strings, Gemini-only keys dropped', () => {
    const req = toChat({
      contents: [user({ text: 'q' })],
      tools: [
        {
          functionDeclarations: [
            {
              name: 'search',
              parameters: {
                type: 'OBJECT',
                properties: {
                  query: { type: 'STRING', description: 'what' },
                  limit: { type: 'INTEGER', nullable: true },
                  tags: { type: 'ARRAY', items: { type: 'STRING', enum: ['a', 'b'] }, maxItems: '5' },
                  mode: { anyOf: [{ type: 'STRING' }, { type: 'NUMBER' }] },
                },
                required: ['query'],
                propertyOrdering: ['query', 'limit'],
              },
            },
            { name: 'noargs' },
          ],
        },
        { googleSearch: {} },
      ],
    });
    expect(req.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'search',
          parameters: {
            type: 'object',
            properties: {
              query: { type: 'string', description: 'what' },
              limit: { type: ['integer', 'null'] },
              tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] }, maxItems: 5 },
              mode: { anyOf: [{ type: 'string' }, { type: 'number' }] },
            },
            required: ['query'],
          },
        },
      },
      { type: 'function', function: { name: 'noargs', parameters: { type: 'object', properties: {} } } },
    ]);
  });

  it('parametersJsonSchema is passed as is, minus $schema', () => {
    const req = toChat({ contents: [user({ text: 'q' })], tools: [{ functionDeclarations: [{ name: 'f', parametersJsonSchema: { $schema: 'x', type: 'object' } }] }] });
    expect(req.tools![0]!.function.parameters).toEqual({ type: 'object' });
  });

  it('functionCallingConfig: AUTO/ANY/NONE → tool_choice; one allowed name under ANY → that function; a subset → only those tools', () => {
    const withConfig = (functionCallingConfig: object) =>
      toChat({ contents: [user({ text: 'q' })], tools: [{ functionDeclarations: [RUN_SHELL, WRITE_FILE] }], toolConfig: { functionCallingConfig } });
    expect(withConfig({ mode: 'AUTO' }).tool_choice).toBe('auto');
    expect(withConfig({ mode: 'ANY' }).tool_choice).toBe('required');
    expect(withConfig({ mode: 'NONE' }).tool_choice).toBe('none');
    expect(withConfig({ mode: 'MODE_UNSPECIFIED' })).not.toHaveProperty('tool_choice');
    const one = withConfig({ mode: 'ANY', allowedFunctionNames: ['write_file'] });
    expect([one.tools!.map((t) => t.function.name), one.tool_choice]).toEqual([['write_file'], { type: 'function', function: { name: 'write_file' } }]);
    const subset = withConfig({ mode: 'AUTO', allowedFunctionNames: ['run_shell_command'] });
    expect([subset.tools!.map((t) => t.function.name), subset.tool_choice]).toEqual([['run_shell_command'], 'auto']);
    // no tools left: no tool_choice either (chat rejects one without tools)
    expect(toChat({ contents: [user({ text: 'q' })], toolConfig: { functionCallingConfig: { mode: 'ANY' } } })).not.toHaveProperty('tool_choice');
  });

  it('generationConfig: stopSequences, penalties, seed; JSON output as json_object or json_schema', () => {
    const gen = (generationConfig: object) => toChat({ contents: [user({ text: 'q' })], generationConfig });
    expect(gen({ stopSequences: ['END'], presencePenalty: 0.5, frequencyPenalty: 0.25, seed: 7 })).toMatchObject({ stop: ['END'], presence_penalty: 0.5, frequency_penalty: 0.25, seed: 7 });
    expect(gen({ responseMimeType: 'application/json' }).response_format).toEqual({ type: 'json_object' });
    const schema = { type: 'object', properties: { complexity_score: { type: 'integer' } }, required: ['complexity_score'] };
    expect(gen({ responseMimeType: 'application/json', responseJsonSchema: { $schema: 's', ...schema } }).response_format).toEqual({ type: 'json_schema', json_schema: { name: 'response', schema } });
    expect(gen({ responseMimeType: 'application/json', responseSchema: { type: 'OBJECT', properties: { complexity_score: { type: 'INTEGER' } }, required: ['complexity_score'] } }).response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'response', schema },
    });
    expect(gen({ responseMimeType: 'text/plain' })).not.toHaveProperty('response_format');
  });
});

describe('gemini request: malformed input is a 400 naming the field', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['not an object', [], /^body: expected an object/],
    ['no contents', {}, /^body\.contents: expected an array, got undefined/],
    ['empty contents', { contents: [] }, /^body\.contents: expected at least one content/],
    ['bad role', { contents: [{ role: 'system', parts: [{ text: 'x' }] }] }, /^body\.contents\[0\]\.role: expected user or model, got "system"/],
    ['parts missing', { contents: [{ role: 'user' }] }, /^body\.contents\[0\]\.parts: expected an array/],
    ['empty part', { contents: [user({})] }, /^body\.contents\[0\]\.parts\[0\]: expected a part with one of functionCall, functionResponse, text/],
    ['text not a string', { contents: [user({ text: 5 })] }, /^body\.contents\[0\]\.parts\[0\]\.text: expected a string, got number 5/],
    ['call without name', { contents: [model({ functionCall: { args: {} } })] }, /^body\.contents\[0\]\.parts\[0\]\.functionCall\.name: expected a string/],
    ['call in a user turn', { contents: [user({ functionCall: { name: 'f' } })] }, /^body\.contents\[0\]\.parts\[0\]\.functionCall: a user turn cannot carry a function call/],
    ['response in a model turn', { contents: [model({ functionResponse: { name: 'f' } })] }, /^body\.contents\[0\]\.parts\[0\]\.functionResponse: a model turn cannot/],
    ['response not an object', { contents: [user({ functionResponse: { name: 'f', response: 'x' } })] }, /^body\.contents\[0\]\.parts\[0\]\.functionResponse\.response: expected an object/],
    ['system not text', { systemInstruction: { parts: [{ text: 1 }] }, contents: [user({ text: 'q' })] }, /^body\.systemInstruction\.parts\[0\]\.text: expected a string/],
    ['tools not an array', { contents: [user({ text: 'q' })], tools: {} }, /^body\.tools: expected an array/],
    ['declaration without name', { contents: [user({ text: 'q' })], tools: [{ functionDeclarations: [{ description: 'd' }] }] }, /^body\.tools\[0\]\.functionDeclarations\[0\]\.name: expected a string/],
    ['bad mode', { contents: [user({ text: 'q' })], toolConfig: { functionCallingConfig: { mode: 'SOMETIMES' } } }, /^body\.toolConfig\.functionCallingConfig\.mode: expected AUTO, ANY, NONE or VALIDATED/],
    ['bad temperature', { contents: [user({ text: 'q' })], generationConfig: { temperature: 'hot' } }, /^body\.generationConfig\.temperature: expected a number/],
    ['bad stops', { contents: [user({ text: 'q' })], generationConfig: { stopSequences: [1] } }, /^body\.generationConfig\.stopSequences: expected an array of strings/],
  ];
  for (const [name, body, message] of cases) {
    it(name, () => {
      let caught: unknown;
      try {
        toChat(body);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ProtocolRequestError);
      expect((caught as Error).message).toMatch(message);
    });
  }
});

describe('gemini protocol: streaming and kinds', () => {
  it('streams by the URL action, whatever the body says', () => {
    expect(geminiProtocol.isStream({}, 'streamGenerateContent')).toBe(true);
    expect(geminiProtocol.isStream({ stream: true }, 'generateContent')).toBe(false);
    expect(geminiProtocol.isStream({ stream: true })).toBe(false);
  });

  it('compression → compaction; router classifier, summarizer and tool-less JSON helpers → auxiliary; agent turns → turn', () => {
    const kind = (body: unknown) => geminiProtocol.kind(body, {});
    const compression = '\nYou are a specialized system component responsible for distilling chat history into a structured XML <state_snapshot>.\n';
    expect(kind({ systemInstruction: { parts: [{ text: compression }] }, contents: [user({ text: 'Generate a new <state_snapshot> based on the provided history.' })] })).toBe('compaction');
    expect(kind({ systemInstruction: { text: compression }, contents: [] })).toBe('compaction');
    const router = 'You are a specialized Task Routing AI. Your sole function is to analyze the user\'s request and assign a **Complexity Score** from 1 to 100.';
    expect(kind({ systemInstruction: { parts: [{ text: router }] }, contents: [user({ text: 'fix it' })], generationConfig: { responseMimeType: 'application/json' } })).toBe('auxiliary');
    expect(kind({ systemInstruction: { parts: [{ text: 'You are Gemini CLI' }] }, contents: [user({ text: 'Summarize the following tool output to be a maximum of 2000 tokens.' })] })).toBe('auxiliary');
    expect(kind({ contents: [user({ text: 'Is this a loop?' })], generationConfig: { responseMimeType: 'application/json', responseJsonSchema: {} } })).toBe('auxiliary');
    expect(kind(geminiCliTurn2)).toBe('turn');
    expect(kind({ ...geminiCliTurn2, generationConfig: { responseMimeType: 'application/json' } })).toBe('turn'); // it has tools
    expect(kind({ contents: 'garbage', systemInstruction: 7 })).toBe('turn');
  });
});
