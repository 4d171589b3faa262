import { describe, expect, it } from 'vitest';
import { BEHAVIOUR_CLASSES, drawBehaviour, parseBehaviourMix, REALISTIC_MIX } from './behaviour-mix.ts';
import { codeQuestions } from './code-questions.ts';
import { demoQuestions } from './demo-questions.ts';
import { readPrompt } from './chatml-prompt.ts';
import { writeContinuation, type WriterInput } from './reasoning-writer.ts';

const TOOLS = '<|im_start|>system\nWrite code in a ```python block.<|im_end|>\n';
const prompt = (problem: string) => `${TOOLS}<|im_start|>user\n${problem}<|im_end|>\n<|im_start|>assistant\n<think>\n`;
const write = (problem: string, behaviour: string, assistantSoFar = '', maxChars = 40_000) => {
  const view = readPrompt(prompt(problem) + assistantSoFar);
  const input: WriterInput = {
    ...view,
    thinking: 'prompt',
    seed: 5,
    limitChars: 200_000,
    maxChars,
    behaviours: parseBehaviourMix(behaviour),
  };
  return writeContinuation(input);
};
const math = demoQuestions(1)[0]!;
const code = codeQuestions(1)[0]!;

describe('behaviour mix', () => {
  it('draws only classes that fit the question, the same class for the same seed', () => {
    const draws = new Set<string>();
    for (let seed = 0; seed < 300; seed++) draws.add(drawBehaviour(REALISTIC_MIX, seed, math.problem, { code: false, tools: false }));
    expect(draws.has('tool_cap')).toBe(false);
    expect(draws.has('final_code')).toBe(false);
    expect(draws.has('self_correction')).toBe(true);
    expect(drawBehaviour(REALISTIC_MIX, 3, code.problem, { code: true, tools: true })).toMatch(/final|unclosed/);
    expect(drawBehaviour({ plain: 1 }, 3, code.problem, { code: true, tools: true })).toBe('final_code');
  });

  it('refuses unknown names and negative weights', () => {
    expect(() => parseBehaviourMix('loop')).toThrow(/unknown behaviour "loop"; known: plain/);
    expect(() => parseBehaviourMix('tool_cap=-1')).toThrow(/weight of tool_cap/);
    expect(BEHAVIOUR_CLASSES.every((c) => (REALISTIC_MIX[c] ?? 0) > 0)).toBe(true);
  });
});

describe('behaviour scripts', () => {
  it('continue the same text when a continuation request resends the prefix', () => {
    for (const b of ['self_correction', 'long_finishing', 'bare_fence']) {
      const whole = write(math.problem, b).text;
      const cut = Math.floor(whole.length / 2);
      expect(write(math.problem, b, whole.slice(0, cut)).text).toBe(whole.slice(cut));
    }
  });

  it('a tool block waits for its output and the answer trusts the output', () => {
    const first = write(math.problem, 'fence_variants').text;
    const fenceEnd = first.indexOf('```\n', first.search(/```[ ]?[Pp]y/)) + 4;
    const after = write(math.problem, 'fence_variants', `${first.slice(0, fenceEnd)}\`\`\`output\n${math.answer}\n\`\`\`\n`);
    expect(after.eos).toBe(true);
    expect(after.text).toContain(`\\boxed{${math.answer}}`);
  });

  it('split_stop ends the request with half of the closing fence', () => {
    const text = write(math.problem, 'split_stop', '', 8192).text;
    expect(text.slice(0, 8192).endsWith('\n``')).toBe(true);
    expect(text.slice(8192, 8194)).toBe('`\n');
  });

  it('code questions: the program after the end of thinking; unclosed_final_fence never closes it', () => {
    const answered = (b: string) => {
      const first = write(code.problem, b).text;
      const fenceEnd = first.indexOf('```\n', first.indexOf('```python')) + 4;
      return write(code.problem, b, `${first.slice(0, fenceEnd)}\`\`\`output\n20\n\`\`\`\n`).text;
    };
    expect(answered('final_code')).toMatch(/<\/think>\n\nHere is the solution\.\n\n```python\nn = int\(input\(\)\)/);
    expect(answered('unclosed_final_fence').trimEnd().endsWith('```')).toBe(false);
  });
});
