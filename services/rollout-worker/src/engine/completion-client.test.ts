import { describe, expect, it } from 'vitest';
import { InferenceError } from './engine-errors.ts';
import { completionBody, parseCompletion } from './completion-client.ts';

const usage = { prompt_tokens: 10, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 8 } };

describe('completion client', () => {
  it('sends every sampling field explicitly', () => {
    const body = completionBody({
      model: 'm',
      prompt: 'p',
      maxTokens: 100,
      temperature: 0.6,
      topP: 0.95,
      topK: -1,
      minP: 0,
      repetitionPenalty: 1,
      seed: 7,
      stop: ['```\n'],
    });
    for (const field of ['max_tokens', 'temperature', 'top_p', 'top_k', 'min_p', 'repetition_penalty', 'seed', 'stop', 'n'])
      expect(body[field], field).toBeDefined();
    expect(body).toMatchObject({ skip_special_tokens: false, include_stop_str_in_output: true, no_stop_trim: true, stream: false });
  });

  it('reads vLLM and SGLang answers alike', () => {
    const vllm = parseCompletion(
      JSON.stringify({ choices: [{ text: 'a Wait,', finish_reason: 'stop', stop_reason: 'Wait,' }], usage }),
      'r',
    );
    expect(vllm).toEqual({
      text: 'a Wait,',
      finishReason: 'stop',
      stopReason: 'Wait,',
      promptTokens: 10,
      completionTokens: 3,
      cachedTokens: 8,
    });
    const sglang = parseCompletion(
      JSON.stringify({
        choices: [{ text: 'done', finish_reason: 'stop', matched_stop: 151645 }],
        usage: { prompt_tokens: 10, completion_tokens: 3 },
      }),
      'r',
    );
    expect(sglang).toMatchObject({ stopReason: 151645, cachedTokens: null });
  });

  it('restores a stop string the server trimmed', () => {
    const trimmed = parseCompletion(
      JSON.stringify({ choices: [{ text: 'print(1)\n', finish_reason: 'stop', stop_reason: '```\n' }], usage }),
      'r',
    );
    expect(trimmed.text).toBe('print(1)\n```\n');
  });

  it('calls malformed bodies malformed, naming what is missing', () => {
    expect(() => parseCompletion('{"choices": [', 'r')).toThrow(InferenceError);
    expect(() => parseCompletion(JSON.stringify({ choices: [{ text: 'x', finish_reason: 'stop' }] }), 'r')).toThrow(/has no usage/);
    const error = (() => {
      try {
        parseCompletion('nope', 'r');
        return null;
      } catch (e) {
        return e as InferenceError;
      }
    })();
    expect(error?.kind).toBe('malformed_response');
    expect(error?.retryable).toBe(false);
  });
});
