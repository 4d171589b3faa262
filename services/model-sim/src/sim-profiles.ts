/**
 * The model families model-sim imitates, written from each model card's tokenizer_config.json and
 * generation_config.json (not from the orchestrator's own profiles, so the two can disagree):
 * how the rendered prompt marks the user and assistant turns, whether the thinking block is opened
 * by the prompt, by the model or not at all, and which token ends a turn.
 */

export interface SimEosToken {
  text: string;
  id: number;
}

export interface SimProfile {
  name: string;
  userMarker: string;
  assistantMarker: string;
  /** Ends a user turn in the prompt (DeepSeek has none: the next marker ends it). */
  turnEnd: string | null;
  /** 'prompt': the generation prompt ends with `<think>\n`; 'model': the model writes it; 'none': no thinking block. */
  thinking: 'prompt' | 'model' | 'none';
  /** The tokenizer's eos_token: vLLM reports `stop_reason: null` when generation ends on it. */
  eos: SimEosToken;
  /**
   * Other ids of generation_config `eos_token_id`: vLLM adds them to the request's stop_token_ids,
   * so ending on one reports that id as `stop_reason`.
   */
  extraEos: SimEosToken[];
}

const IM_END = { text: '<|im_end|>', id: 151645 };
const ENDOFTEXT = { text: '<|endoftext|>', id: 151643 };

const chatml = (name: string, thinking: SimProfile['thinking']): SimProfile => ({
  name,
  userMarker: '<|im_start|>user\n',
  assistantMarker: '<|im_start|>assistant\n',
  turnEnd: '<|im_end|>',
  thinking,
  eos: IM_END,
  extraEos: [ENDOFTEXT],
});

/** Keyed by the names campaigns use for `model.profile`. */
export const SIM_PROFILES: Record<string, SimProfile> = {
  // Qwen/QwQ-32B: generation prompt `<|im_start|>assistant\n<think>\n`; eos_token <|im_end|>; generation_config eos [151645, 151643].
  'qwq-32b': chatml('qwq-32b', 'prompt'),
  // Qwen/QwQ-32B-Preview: plain reasoning, no thinking markers at all.
  'qwq-32b-preview': chatml('qwq-32b-preview', 'none'),
  // deepseek-ai/DeepSeek-R1-Distill-Qwen-32B: `<｜User｜>…<｜Assistant｜><think>\n`; eos <｜end▁of▁sentence｜> (151643).
  'deepseek-r1-distill': {
    name: 'deepseek-r1-distill',
    userMarker: '<｜User｜>',
    assistantMarker: '<｜Assistant｜>',
    turnEnd: null,
    thinking: 'prompt',
    eos: { text: '<｜end▁of▁sentence｜>', id: 151643 },
    extraEos: [],
  },
  // Qwen/Qwen3-32B with thinking on: generation prompt `<|im_start|>assistant\n`, the model opens `<think>` itself.
  'qwen3-thinking': chatml('qwen3-thinking', 'model'),
};

export const SIM_PROFILE_NAMES = Object.keys(SIM_PROFILES);

export function simProfile(name: string): SimProfile {
  const p = SIM_PROFILES[name];
  if (!p) throw new Error(`profile: unknown model profile ${JSON.stringify(name)}; known: ${SIM_PROFILE_NAMES.join(', ')}`);
  return p;
}
