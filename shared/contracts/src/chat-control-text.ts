import { MODEL_PROFILES } from './model-profile.ts';

/**
 * Invisible format characters (zero-width space and joiners, word joiner, BOM, soft hyphen...):
 * removed before matching so `<|im_\u200Bstart|>` is seen as what a careless renderer would show.
 */
const INVISIBLE = /\p{Cf}/gu;

/**
 * Text a chat template or tokenizer treats as structure: any `<|name|>` special token (ChatML,
 * Qwen, Llama 3, DeepSeek's `<｜begin▁of▁sentence｜>` once normalised), the reasoning and tool tags,
 * and every control token of the model profiles this build knows.
 */
const SPECIAL_TOKEN = /<\|[\p{L}\p{N}_▁ -]{1,64}\|>|<\/?(think|tool_call|tool_response)>/iu;
const PROFILE_TOKENS = [...new Set(Object.values(MODEL_PROFILES).flatMap((p) => [...p.controlTokens, ...p.eosTokens]))].map((t) =>
  t.normalize('NFKC'),
);

/**
 * The chat-control text hidden in `text`, as it reads after NFKC normalisation (fullwidth `＜｜im_start｜＞`
 * becomes `<|im_start|>`) with invisible characters removed, or null. In a question it would
 * forge a turn or close the thinking block, so intake refuses it rather than rewriting it.
 */
export function findChatControlText(text: string): string | null {
  const normalised = text.normalize('NFKC').replace(INVISIBLE, '');
  const special = SPECIAL_TOKEN.exec(normalised);
  if (special) return special[0];
  return PROFILE_TOKENS.find((token) => normalised.includes(token)) ?? null;
}
