import { describe, expect, it } from 'vitest';
import { serverChoice, type ServerFlags } from './server-output.ts';
import { SIM_PROFILES, type SimProfile } from './sim-profiles.ts';

const qwq = SIM_PROFILES['qwq-32b'] as SimProfile;
const r1 = SIM_PROFILES['deepseek-r1-distill'] as SimProfile;
const flags = (over: Partial<ServerFlags> = {}): ServerFlags => ({
  flavour: 'vllm',
  maxTokens: 1000,
  stop: [],
  includeStopStrInOutput: false,
  skipSpecialTokens: true,
  ...over,
});
const answer = 'so \\boxed{42}';

describe('what a vLLM server returns', () => {
  it('EOS: stop_reason null, no EOS text by default, the EOS token counted', () => {
    const c = serverChoice({ text: answer, eos: qwq.eos }, flags(), qwq);
    expect(c).toEqual({ text: answer, finishReason: 'stop', stopReason: null, completionTokens: 4 + 1 });
  });

  it('EOS text only with skip_special_tokens false and include_stop_str_in_output true', () => {
    const echo = (include: boolean, skip: boolean) =>
      serverChoice({ text: answer, eos: qwq.eos }, flags({ includeStopStrInOutput: include, skipSpecialTokens: skip }), qwq).text;
    expect(echo(true, false)).toBe(`${answer}<|im_end|>`);
    expect(echo(false, false)).toBe(answer);
    expect(echo(true, true)).toBe(answer);
  });

  it('a generation_config EOS that is not the tokenizer EOS reports its token id', () => {
    const c = serverChoice({ text: answer, eos: { text: '<|endoftext|>', id: 151643 } }, flags(), qwq);
    expect(c.stopReason).toBe(151643);
    expect(serverChoice({ text: answer, eos: r1.eos }, flags(), r1).stopReason).toBeNull();
  });

  it('stop strings: earliest match, kept only on request, named in stop_reason', () => {
    const g = { text: 'a Wait, b ```\nc', eos: qwq.eos };
    expect(serverChoice(g, flags({ stop: ['```\n', 'Wait,'] }), qwq)).toMatchObject({ text: 'a ', stopReason: 'Wait,' });
    expect(serverChoice(g, flags({ stop: ['```\n'], includeStopStrInOutput: true }), qwq).text).toBe('a Wait, b ```\n');
  });

  it('a stop string cut by max_tokens is not matched: the text ends with half of it', () => {
    const c = serverChoice({ text: 'abcdef``', eos: null }, flags({ maxTokens: 2, stop: ['```\n'] }), qwq);
    expect(c).toMatchObject({ text: 'abcdef``', finishReason: 'length', stopReason: null });
  });

  it('no room for the EOS token: length', () => {
    expect(serverChoice({ text: '12345678', eos: qwq.eos }, flags({ maxTokens: 2 }), qwq).finishReason).toBe('length');
  });
});

describe('what an SGLang server returns', () => {
  const sg = (over: Partial<ServerFlags>) => flags({ flavour: 'sglang', ...over });
  it('EOS: matched_stop is the token id; EOS text only with no_stop_trim and skip_special_tokens false', () => {
    expect(serverChoice({ text: answer, eos: qwq.eos }, sg({}), qwq)).toMatchObject({ text: answer, stopReason: 151645 });
    expect(serverChoice({ text: answer, eos: qwq.eos }, sg({ includeStopStrInOutput: true, skipSpecialTokens: false }), qwq).text).toBe(
      `${answer}<|im_end|>`,
    );
    expect(serverChoice({ text: answer, eos: qwq.eos }, sg({ skipSpecialTokens: false }), qwq).text).toBe(answer);
  });
});
