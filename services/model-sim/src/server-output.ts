/**
 * What a server returns for the text a model generated: stop strings, the end-of-sequence token,
 * the max_tokens cut and the flags that decide what of it is echoed, as each server documents it.
 *
 * vLLM (`SamplingParams`, `StopChecker`): stop strings are matched in the generated text only (never
 * the prompt); the matched string is kept with `include_stop_str_in_output` and named in
 * `stop_reason`. Generation ending on the tokenizer's EOS reports `stop_reason: null`; ending on
 * another generation_config EOS id (added to stop_token_ids) reports that id. The EOS text reaches
 * the output only when `skip_special_tokens` is false and `include_stop_str_in_output` is true.
 *
 * SGLang (`trim_matched_stop` in the detokenizer): `no_stop_trim` keeps a matched stop string; an
 * EOS token is dropped from the ids before decoding unless `no_stop_trim`, and then shows only when
 * `skip_special_tokens` is false. `matched_stop` holds the string or the EOS token id.
 *
 * Both count the EOS token in `completion_tokens`; a stop string that begins before the
 * max_tokens cut and ends after it is not matched (the text ends with part of it, finish `length`).
 */
import type { ServerFlavour } from './completion-request.ts';
import { CHARS_PER_TOKEN, countTokens } from './prefix-cache.ts';
import type { SimEosToken, SimProfile } from './sim-profiles.ts';

export interface Generated {
  /** The model's words, without the end-of-sequence token. */
  text: string;
  /** The token the model ended with after `text`, or null when it would go on. */
  eos: SimEosToken | null;
}

export interface ServerFlags {
  flavour: ServerFlavour;
  maxTokens: number;
  stop: readonly string[];
  includeStopStrInOutput: boolean;
  skipSpecialTokens: boolean;
}

export interface ServerChoice {
  text: string;
  finishReason: 'stop' | 'length';
  /** vLLM `stop_reason` / SGLang `matched_stop`. */
  stopReason: string | number | null;
  completionTokens: number;
}

export function serverChoice(generated: Generated, flags: ServerFlags, profile: SimProfile): ServerChoice {
  const maxChars = flags.maxTokens * CHARS_PER_TOKEN;
  const window = generated.text.slice(0, maxChars);
  let best = -1;
  let bestStop = '';
  for (const s of flags.stop) {
    const i = window.indexOf(s);
    if (i >= 0 && (best < 0 || i < best || (i === best && s.length > bestStop.length))) {
      best = i;
      bestStop = s;
    }
  }
  if (best >= 0) {
    const end = best + bestStop.length;
    return {
      text: window.slice(0, flags.includeStopStrInOutput ? end : best),
      finishReason: 'stop',
      stopReason: bestStop,
      completionTokens: Math.max(1, countTokens(window.slice(0, end))),
    };
  }
  const eos = generated.eos;
  const tokens = countTokens(generated.text);
  if (eos && tokens + 1 <= flags.maxTokens) {
    const echoed = flags.includeStopStrInOutput && !flags.skipSpecialTokens ? eos.text : '';
    const stopReason = flags.flavour === 'sglang' ? eos.id : eos.id === profile.eos.id ? null : eos.id;
    return { text: generated.text + echoed, finishReason: 'stop', stopReason, completionTokens: tokens + 1 };
  }
  return { text: window, finishReason: 'length', stopReason: null, completionTokens: Math.max(1, countTokens(window)) };
}
