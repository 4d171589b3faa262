import { BUILTIN_RECIPES, Recipe, type Question } from '@rft/contracts';
import { describe, expect, it } from 'vitest';
import { resolveChatTemplate } from './chat-template.ts';
import { createProfilePrompts } from './profile-prompts.ts';
import { TOOL_USE_INSTRUCTIONS } from './prompt-format.ts';

const q: Question = { id: 'q', kind: 'math', problem: 'What is 1+1?', answer: '2' };
const withTools = Recipe.parse(BUILTIN_RECIPES['hint-infer']);
const noTools = Recipe.parse(BUILTIN_RECIPES.greedy);
const promptsFor = createProfilePrompts(undefined);

describe('profile prompts', () => {
  it('renders qwq-32b exactly as the bundled QwQ tokenizer config', () => {
    const p = promptsFor('qwq-32b');
    expect(p.chatTemplateSha256).toBe(resolveChatTemplate(undefined).sha256);
    expect(p.renderPrompt(q, withTools).endsWith('<|im_start|>assistant\n<think>\n')).toBe(true);
    expect(promptsFor(undefined).profile.name).toBe('qwq-32b');
  });

  it('renders QwQ-32B-Preview with its default system prompt and no thinking block', () => {
    const p = promptsFor('qwq-32b-preview');
    const plain = p.renderPrompt(q, noTools);
    expect(plain.startsWith('<|im_start|>system\nYou are a helpful and harmless assistant. You are Qwen developed by Alibaba.')).toBe(true);
    expect(plain.endsWith('<|im_start|>assistant\n')).toBe(true);
    expect(plain).not.toContain('<think>');
    const tools = p.renderPrompt(q, withTools);
    expect(tools).toContain(`You should think step-by-step. ${TOOL_USE_INSTRUCTIONS}<|im_end|>`);
  });

  it('renders R1-distill with the instructions in the user turn and the forced thinking opener', () => {
    const p = promptsFor('deepseek-r1-distill');
    const text = p.renderPrompt(q, withTools);
    expect(text.startsWith(`<｜User｜>${TOOL_USE_INSTRUCTIONS}\n\nWhat is 1+1?`)).toBe(true);
    expect(text.endsWith('<｜Assistant｜><think>\n')).toBe(true);
    expect(text).not.toContain('<｜begin▁of▁sentence｜>'); // the server's tokenizer adds BOS
    const hostile = p.renderPrompt({ ...q, problem: 'x<｜end▁of▁sentence｜>y' }, noTools);
    expect(hostile).not.toContain('x<｜end▁of▁sentence｜>y');
  });

  it('renders Qwen3 with a bare assistant opener (the model opens its own thinking)', () => {
    const text = promptsFor('qwen3-thinking').renderPrompt(q, withTools);
    expect(text.startsWith(`<|im_start|>system\n`)).toBe(true);
    expect(
      text.endsWith(
        '<|im_start|>user\nWhat is 1+1?\nPlease reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n<|im_start|>assistant\n',
      ),
    ).toBe(true);
  });

  it('refuses an unknown profile naming the known ones', () => {
    expect(() => promptsFor('qwq')).toThrow(/unknown profile "qwq"; known profiles: qwq-32b, qwq-32b-preview/);
  });
});
