/**
 * Model profiles: what the engine must know about a model family to generate with it (chat
 * template, thinking markers or none, end-of-turn and EOS token texts, default system prompt).
 * A campaign picks one with `model.profile`; every trajectory records the name.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DEEPSEEK_R1_DISTILL_TEMPLATE, QWEN3_TEMPLATE, QWQ_32B_PREVIEW_TEMPLATE, QWQ_32B_TEMPLATE } from './model-profile-templates.ts';

export const ThinkingMarkers = z.object({
  open: z.string().min(1),
  close: z.string().min(1),
  /** The rendered prompt already opens the block (QwQ-32B, R1-distill); else the model writes `open` itself (Qwen3). */
  openedByPrompt: z.boolean(),
});
export type ThinkingMarkers = z.infer<typeof ThinkingMarkers>;

export const ModelProfile = z.object({
  name: z.string().min(1),
  /** The model card the template and tokens were taken from. */
  source: z.string().min(1),
  /** Jinja source of the chat template, verbatim from tokenizer_config.json. */
  chatTemplate: z.string().min(1),
  /** Passed to the template as `bos_token`; empty when the server's tokenizer adds BOS itself. */
  bosToken: z.string(),
  /** null: the model has no thinking block (QwQ-32B-Preview): the whole response is reasoning. */
  thinking: ThinkingMarkers.nullable(),
  /** The text that ends an assistant turn in the template; stored once at the end of every EOS-ended trajectory. */
  endOfTurn: z.string().min(1),
  /** Token texts the server may end generation on (generation_config eos_token_id), end-of-turn included. */
  eosTokens: z.array(z.string().min(1)).min(1),
  /** Tokens the tokenizer parses as units; a question spelling one is rendered inertly. */
  controlTokens: z.array(z.string().min(1)),
  /** The system prompt the model expects when none is given (null: none). */
  defaultSystemPrompt: z.string().nullable(),
  /** Where the tool instructions go: a system message, or ahead of the question (models that advise against system prompts). */
  toolInstructions: z.enum(['system', 'user']),
});
export type ModelProfile = z.infer<typeof ModelProfile>;

const QWEN_CONTROL = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];
const QWEN_EOS = ['<|im_end|>', '<|endoftext|>'];

/** The profiles this build knows. `qwq-32b` is the default. */
export const MODEL_PROFILES = {
  'qwq-32b': {
    name: 'qwq-32b',
    source: 'Qwen/QwQ-32B',
    chatTemplate: QWQ_32B_TEMPLATE,
    bosToken: '',
    thinking: { open: '<think>', close: '</think>', openedByPrompt: true },
    endOfTurn: '<|im_end|>',
    eosTokens: QWEN_EOS,
    controlTokens: [...QWEN_CONTROL, '<think>', '</think>'],
    defaultSystemPrompt: null,
    toolInstructions: 'system',
  },
  'qwq-32b-preview': {
    name: 'qwq-32b-preview',
    source: 'Qwen/QwQ-32B-Preview',
    chatTemplate: QWQ_32B_PREVIEW_TEMPLATE,
    bosToken: '',
    thinking: null,
    endOfTurn: '<|im_end|>',
    eosTokens: QWEN_EOS,
    controlTokens: QWEN_CONTROL,
    defaultSystemPrompt: 'You are a helpful and harmless assistant. You are Qwen developed by Alibaba. You should think step-by-step.',
    toolInstructions: 'system',
  },
  'deepseek-r1-distill': {
    name: 'deepseek-r1-distill',
    source: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-32B',
    chatTemplate: DEEPSEEK_R1_DISTILL_TEMPLATE,
    // add_bos_token is true: vLLM and SGLang prepend <｜begin▁of▁sentence｜> to a completions prompt themselves.
    bosToken: '',
    thinking: { open: '<think>', close: '</think>', openedByPrompt: true },
    endOfTurn: '<｜end▁of▁sentence｜>',
    eosTokens: ['<｜end▁of▁sentence｜>'],
    controlTokens: ['<｜begin▁of▁sentence｜>', '<｜end▁of▁sentence｜>', '<｜User｜>', '<｜Assistant｜>', '<think>', '</think>'],
    defaultSystemPrompt: null,
    // DeepSeek's usage notes: no system prompt, every instruction in the user prompt.
    toolInstructions: 'user',
  },
  'qwen3-thinking': {
    name: 'qwen3-thinking',
    source: 'Qwen/Qwen3-32B (enable_thinking on)',
    chatTemplate: QWEN3_TEMPLATE,
    bosToken: '',
    thinking: { open: '<think>', close: '</think>', openedByPrompt: false },
    endOfTurn: '<|im_end|>',
    eosTokens: QWEN_EOS,
    controlTokens: [...QWEN_CONTROL, '<think>', '</think>', '<tool_call>', '</tool_call>', '<tool_response>', '</tool_response>'],
    defaultSystemPrompt: null,
    toolInstructions: 'system',
  },
} as const satisfies Record<string, ModelProfile>;

export type ModelProfileName = keyof typeof MODEL_PROFILES;
export const MODEL_PROFILE_NAMES = Object.keys(MODEL_PROFILES) as ModelProfileName[];
export const DEFAULT_MODEL_PROFILE: ModelProfileName = 'qwq-32b';

export class UnknownModelProfileError extends Error {
  override readonly name = 'UnknownModelProfileError';
}

/** The profile of that name (the default when absent); an unknown name is refused naming the known ones. */
export function resolveModelProfile(name: string | undefined): ModelProfile {
  const key = name ?? DEFAULT_MODEL_PROFILE;
  if (!Object.hasOwn(MODEL_PROFILES, key))
    throw new UnknownModelProfileError(
      `model.profile: unknown profile ${JSON.stringify(key)}; known profiles: ${MODEL_PROFILE_NAMES.join(', ')}`,
    );
  return MODEL_PROFILES[key as ModelProfileName];
}

/** For a spec's `model.profile`: a known profile name, or an error that lists them. */
export const ModelProfileNameSchema = z.string().refine((n) => Object.hasOwn(MODEL_PROFILES, n), {
  message: `unknown model profile; known profiles: ${MODEL_PROFILE_NAMES.join(', ')}`,
});

/** What a dataset manifest records of the profile its rows were generated with. */
export interface ModelProfileProvenance {
  name: string;
  source: string;
  chatTemplateSha256: string;
  endOfTurn: string;
  thinkingClose: string | null;
}

export function modelProfileProvenance(profile: ModelProfile): ModelProfileProvenance {
  return {
    name: profile.name,
    source: profile.source,
    chatTemplateSha256: createHash('sha256').update(profile.chatTemplate).digest('hex'),
    endOfTurn: profile.endOfTurn,
    thinkingClose: profile.thinking?.close ?? null,
  };
}
