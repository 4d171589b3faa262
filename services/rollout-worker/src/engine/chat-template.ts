import { createHash } from 'node:crypto';
/**
 * Client-side chat templating from a model's tokenizer_config.json (real Jinja via @huggingface/jinja).
 * The engine renders the conversation once and then appends raw text (model output, hints, tool
 * output) mid-turn, which the chat endpoints cannot do.
 */
import { readFileSync } from 'node:fs';
import type { ModelProfile } from '@rft/contracts';
import { Template } from '@huggingface/jinja';

export interface TokenizerConfig {
  chat_template: string | Array<{ name: string; template: string }>;
  eos_token?: string | { content: string } | null;
  bos_token?: string | { content: string } | null;
  /** Tokens the tokenizer matches as whole units in input text (special or not): `<|im_end|>`, `</think>`. */
  added_tokens_decoder?: Record<string, { content: string }>;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatTemplate {
  /** Renders the messages with the generation prompt (for QwQ-style templates this opens `<think>`). */
  render(messages: ChatMessage[]): string;
  readonly eosToken: string | null;
  /** sha256 of the template source, recorded with every trajectory (null when unknown). */
  readonly sha256: string | null;
}

export const DEFAULT_TOKENIZER_CONFIG_PATH = new URL('./fixtures/qwq-style-tokenizer-config.json', import.meta.url).pathname;

export class ChatTemplateError extends Error {
  override readonly name = 'ChatTemplateError';
}

function tokenText(t: TokenizerConfig['eos_token']): string | null {
  if (t == null) return null;
  return typeof t === 'string' ? t : t.content;
}

export function loadTokenizerConfig(path: string): TokenizerConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`tokenizer config ${path}: ${(error as Error).message}`);
  }
  const cfg = raw as TokenizerConfig;
  if (typeof cfg?.chat_template !== 'string' && !Array.isArray(cfg?.chat_template)) {
    throw new Error(`tokenizer config ${path}: chat_template is missing (a string or a list of {name, template})`);
  }
  return cfg;
}

const WORD_JOINER = '\u2060';

/**
 * Policy for user text (the question) that spells a token the tokenizer parses as a unit (`<|im_end|>`,
 * `<|im_start|>`, `</think>`...): it is rendered inertly, with an invisible U+2060 after its first
 * character, so it tokenizes as ordinary text and cannot close the user turn, open a system turn
 * or end the thinking block. System and assistant text is the engine's own and is left as is.
 * Intake refuses such questions; this guards questions that reached the ledger another way.
 */
export function neutralizeControlText(text: string, tokens: readonly string[]): string {
  let out = text;
  for (const token of tokens) if (out.includes(token)) out = out.split(token).join(`${token[0]}${WORD_JOINER}${token.slice(1)}`);
  return out;
}

function controlTokens(config: TokenizerConfig): string[] {
  const tokens = new Set<string>();
  for (const t of Object.values(config.added_tokens_decoder ?? {})) if (t.content.length > 1) tokens.add(t.content);
  for (const t of [tokenText(config.eos_token), tokenText(config.bos_token)]) if (t && t.length > 1) tokens.add(t);
  // Longest first, so a token containing another is neutralized whole.
  return [...tokens].sort((a, b) => b.length - a.length);
}

export function createChatTemplate(config: TokenizerConfig): ChatTemplate {
  const source =
    typeof config.chat_template === 'string'
      ? config.chat_template
      : (config.chat_template.find((t) => t.name === 'default') ?? config.chat_template[0])?.template;
  if (!source) throw new Error('tokenizer config: chat_template list is empty');
  let template: Template;
  try {
    template = new Template(source);
  } catch (error) {
    throw new Error(`tokenizer config: chat_template does not parse: ${(error as Error).message}`);
  }
  const eosToken = tokenText(config.eos_token);
  const bosToken = tokenText(config.bos_token);
  const tokens = controlTokens(config);
  return {
    eosToken,
    sha256: createHash('sha256').update(source).digest('hex'),
    render(messages) {
      try {
        const inert = messages.map((m) => (m.role === 'user' ? { ...m, content: neutralizeControlText(m.content, tokens) } : m));
        return template.render({ messages: inert, add_generation_prompt: true, eos_token: eosToken ?? '', bos_token: bosToken ?? '' });
      } catch (error) {
        throw new ChatTemplateError(`chat template failed to render: ${(error as Error).message}`);
      }
    },
  };
}

/** A path to a tokenizer_config.json, a parsed config, or a ready template. */
export type ChatTemplateSource = string | TokenizerConfig | ChatTemplate;

export function resolveChatTemplate(source: ChatTemplateSource | undefined): ChatTemplate {
  if (source === undefined) return createChatTemplate(loadTokenizerConfig(DEFAULT_TOKENIZER_CONFIG_PATH));
  if (typeof source === 'string') return createChatTemplate(loadTokenizerConfig(source));
  if ('render' in source) return source;
  return createChatTemplate(source);
}

/** The chat template of a model profile, with the profile's control tokens rendered inertly in questions. */
export function createProfileTemplate(profile: ModelProfile): ChatTemplate {
  const added: Record<string, { content: string }> = {};
  profile.controlTokens.forEach((content, i) => {
    added[String(i)] = { content };
  });
  return createChatTemplate({
    chat_template: profile.chatTemplate,
    eos_token: profile.endOfTurn,
    bos_token: profile.bosToken || null,
    added_tokens_decoder: added,
  });
}
