// What the agentic model says: reasoning (sent as `reasoning_content`, as vLLM's reasoning parsers emit it) and
// visible text for each step, padded or cut to the configured lengths with deterministic filler thoughts.
import type { Action, Plan, Step } from './agentic-plan.js';

const THOUGHTS = [
  'I want to keep the change as small as possible and consistent with the surrounding code.',
  'It is worth checking how the existing tests exercise this code path.',
  'I should be careful not to break callers that rely on the current behaviour.',
  'The issue gives a concrete example, which I can use to check the fix.',
  'Before editing anything I want to be sure where the value is computed.',
  'Edge cases matter here, so I will keep the boundaries of the input in mind.',
  'The module has a consistent style, so the fix should follow it.',
  'I will not touch the tests; the task says they are already taken care of.',
  'Reading the whole file gives me the context I need to avoid a half fix.',
  'If the first approach does not work I can fall back to a plain patch.',
];

/**
 * `text` followed by whole filler thoughts (chosen by `u`) while they fit in `length` characters; `text` itself is cut
 * at a word boundary when it is longer than `length`.
 */
export function fitLength(text: string, length: number, u: number): string {
  if (length <= 0) return '';
  if (text.length > length) {
    const cut = text.lastIndexOf(' ', length);
    return text.slice(0, cut > length / 2 ? cut : length);
  }
  let out = text;
  const first = Math.floor(u * THOUGHTS.length);
  for (let i = 0; ; i++) {
    const next = THOUGHTS[(first + i) % THOUGHTS.length]!;
    if (out.length + 1 + next.length > length) break;
    out += (out ? ' ' : '') + next;
  }
  return out;
}

function files(plan: Plan): string {
  return plan.files.map((f) => f.path).join(', ') || 'the repository';
}

function actionIntent(a: Action): string {
  switch (a.kind) {
    case 'list':
      return 'get an overview of the repository layout';
    case 'history':
      return 'check the recent history and the working tree state';
    case 'grep':
      return `search the code for \`${a.pattern}\``;
    case 'read':
      return a.binary ? `dump the bytes of ${a.path}, a binary file` : `read ${a.path} in full`;
    case 'log':
      return `look at the recent commits that touched ${a.path}`;
    case 'ls':
      return `list the files in ${a.path}`;
    case 'repl-start':
      return 'start an interactive Python session to poke at the code';
    case 'repl-type':
      return `import the module of ${a.path} in that session`;
  }
}

/** The reasoning and the visible text of one step (before length fitting). */
export function stepWords(step: Step, plan: Plan, problemTitle: string): { reasoning: string; content: string } {
  const id = plan.identifiers[0] ? `\`${plan.identifiers[0]}\`` : 'the code in question';
  switch (step.kind) {
    case 'explore': {
      const intents = step.actions.map(actionIntent);
      const joined = intents.length > 1 ? `${intents.slice(0, -1).join(', ')} and ${intents.at(-1)}` : intents[0]!;
      return {
        reasoning: `The issue: ${problemTitle}. To understand it I need to ${joined}.`,
        content: `Let me ${joined}.`,
      };
    }
    case 'text':
      return {
        reasoning: `I have a first picture of where ${id} lives, but I want to lay out the plan before going on.`,
        content: `So far: the problem is about ${id}. Next I will keep reading the relevant code in ${files(plan)} and then make the change.`,
      };
    case 'edit':
      return plan.wrong
        ? { reasoning: `I am not fully sure about the root cause yet; I'll leave a note where ${id} is handled and revisit it.`, content: `I'll mark the spot in ${files(plan)} for now.` }
        : { reasoning: `Now I understand the problem around ${id}: the fix belongs in ${files(plan)}. I'll make the change.`, content: `I'll fix it in ${files(plan)}.` };
    case 'test':
      return { reasoning: 'With the change in place I should run the failing tests to confirm the behaviour.', content: 'Now let me run the relevant tests.' };
    case 'review':
      return { reasoning: 'The tests have run; let me review the final diff to make sure nothing unrelated changed.', content: 'Let me review the diff.' };
    case 'final':
      return { reasoning: 'Everything is in place; time to summarise what I did.', content: '' };
  }
}
