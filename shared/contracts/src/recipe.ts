import { z } from 'zod';
import { strictObject } from './strict-object.ts';

/** Every sampling parameter is sent explicitly: servers otherwise apply the model's own defaults. */
export const SamplingParams = strictObject({
  temperature: z.number().min(0).max(2),
  topP: z.number().gt(0).max(1),
  /** -1 disables top-k (vLLM convention). */
  topK: z.number().int().min(-1),
  minP: z.number().min(0).max(1).default(0),
  repetitionPenalty: z.number().gt(0).default(1),
  /** Total generated-token budget of one trajectory across all its turns. */
  maxTokens: z.number().int().positive().max(131072),
});
export type SamplingParams = z.infer<typeof SamplingParams>;

export const HintPolicy = strictObject({
  enabled: z.boolean(),
  /** Words after which a hint may be inserted ("Wait" never fires inside "Waiting"). */
  triggerWords: z.array(z.string().min(1)).default(['Wait', 'Alternatively']),
  /** Probability of inserting a hint when a trigger word is generated. */
  triggerProbability: z.number().min(0).max(1).default(0.5),
  /** Hints inserted before the end-of-thinking marker (sequential test-time scaling). */
  beforeThinkEnd: z.number().int().min(0).max(16).default(1),
});
export type HintPolicy = z.infer<typeof HintPolicy>;

export const ToolState = z.enum(['session', 'stateless']);
export type ToolState = z.infer<typeof ToolState>;

export const ToolPolicy = strictObject({
  enabled: z.boolean(),
  /**
   * The paper caps tool use at 6 per trajectory. The last allowed call's output warns the model; a
   * block past the cap is answered by a tool output saying it was not run, and later blocks are text.
   */
  maxCalls: z.number().int().min(0).max(64).default(6),
  /** Per-execution limits sent to the sandbox. */
  timeoutMs: z.number().int().positive().max(600_000).default(10_000),
  /**
   * `session`: one interpreter per trajectory, so a later block sees the variables of earlier ones
   * (as CoRT and NeMo-Skills run it). `stateless`: every block runs on its own.
   */
  state: ToolState.default('session'),
});
export type ToolPolicy = z.infer<typeof ToolPolicy>;

export const Recipe = strictObject({
  name: z.string().min(1),
  samples: z.number().int().min(1).max(1024),
  sampling: SamplingParams,
  tools: ToolPolicy,
  hints: HintPolicy,
});
export type Recipe = z.infer<typeof Recipe>;

/** The built-in recipes of the START method. Campaigns override any field per stage. */
export const BUILTIN_RECIPES = {
  greedy: {
    name: 'greedy',
    samples: 1,
    sampling: { temperature: 0, topP: 1, topK: -1, minP: 0, repetitionPenalty: 1, maxTokens: 16384 },
    tools: { enabled: false, maxCalls: 0, timeoutMs: 10_000, state: 'session' },
    hints: { enabled: false, triggerWords: [], triggerProbability: 0, beforeThinkEnd: 0 },
  },
  'hint-infer': {
    name: 'hint-infer',
    samples: 1,
    sampling: { temperature: 0, topP: 1, topK: -1, minP: 0, repetitionPenalty: 1, maxTokens: 16384 },
    tools: { enabled: true, maxCalls: 6, timeoutMs: 10_000, state: 'session' },
    hints: { enabled: true, triggerWords: ['Wait', 'Alternatively'], triggerProbability: 0.5, beforeThinkEnd: 1 },
  },
  rft: {
    name: 'rft',
    samples: 16,
    sampling: { temperature: 0.6, topP: 0.95, topK: -1, minP: 0, repetitionPenalty: 1, maxTokens: 16384 },
    tools: { enabled: true, maxCalls: 6, timeoutMs: 10_000, state: 'session' },
    hints: { enabled: false, triggerWords: ['Wait', 'Alternatively'], triggerProbability: 0, beforeThinkEnd: 0 },
  },
} as const satisfies Record<string, Recipe>;

export type BuiltinRecipeName = keyof typeof BUILTIN_RECIPES;
export const BUILTIN_RECIPE_NAMES = Object.keys(BUILTIN_RECIPES) as BuiltinRecipeName[];
