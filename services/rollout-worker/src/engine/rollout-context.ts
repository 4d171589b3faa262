/**
 * What every part of one sample's loop shares: its dependencies and options (fixed for the sample)
 * and the turn state (mutated as the sample goes). Stop handlers take both and nothing else.
 */
import type { ModelProfile, PythonRunner, Question, Recipe, Trajectory, TurnUsage } from '@rft/contracts';
import type { Random } from '@rft/seeded-random';
import type { CompletionParams } from './completion-client.ts';
import type { EngineMetrics } from './engine-metrics.ts';
import type { HintLibrary } from './hint-library.ts';
import type { GenerateOutcome } from './inference-caller.ts';
import { findLoop, type RepetitionGuardOptions } from './repetition-guard.ts';
import { TrajectoryText } from './trajectory-text.ts';

export interface SampleInput {
  campaignId: string;
  question: Question;
  stage: string;
  sampleIndex: number;
  seed: number;
  recipe: Recipe;
  /** The campaign's `model.profile`; the engine's default profile when absent. */
  modelProfile?: string;
}

export interface LoopOptions {
  /** Generate in chunks of at most this many tokens so the repetition guard can look in between; null: one call per stop. */
  chunkTokens: number | null;
  repetition: RepetitionGuardOptions | null;
  maxTurns: number;
  /** Hints inserted after trigger words, at most, per sample. */
  maxTriggerHints: number;
  toolOutputMaxChars: number;
  sandboxAttempts: number;
  /**
   * Allow recipes with `tools.state: session` to run the python blocks of one sample in one sandbox
   * session (state carries over); false runs every block on its own whatever the recipe says.
   */
  toolSessions: boolean;
}

export interface LoopDeps {
  model: string;
  generate(key: string, params: CompletionParams, signal: AbortSignal): Promise<GenerateOutcome>;
  /** Thinking markers, end-of-turn and EOS texts of the model being sampled. */
  profile: ModelProfile;
  renderPrompt(question: Question, recipe: Recipe): string;
  /** Provenance recorded with every trajectory. */
  chatTemplateSha256: string | null;
  sandbox: PythonRunner;
  hints: HintLibrary;
  metrics: EngineMetrics;
  options: LoopOptions;
  /** The served context window (vLLM's max_model_len), null when unknown. */
  contextWindow(): Promise<number | null>;
}

/** Fixed for the whole sample. */
export interface RolloutContext {
  deps: LoopDeps;
  input: SampleInput;
  rng: Random;
  signal: AbortSignal;
}

/** The mutable state of one sample between turns. */
export interface RolloutState {
  readonly text: TrajectoryText;
  readonly turns: TurnUsage[];
  /** Hint ids used so far, so a sample prefers fresh hints. */
  readonly usedHints: Set<string>;
  generated: number;
  toolCalls: number;
  hintsInserted: number;
  triggerHints: number;
  thinkEndHints: number;
  toolLimitReached: boolean;
  /** The previous turn stopped mid-text (chunk end or an ignored stop). */
  continuing: boolean;
  /** Rendered characters covered by the last turn's prompt + completion. */
  contextCharsAtLastTurn: number;
}

export function createRolloutState(prompt: string): RolloutState {
  return {
    text: new TrajectoryText(prompt),
    turns: [],
    usedHints: new Set(),
    generated: 0,
    toolCalls: 0,
    hintsInserted: 0,
    triggerHints: 0,
    thinkEndHints: 0,
    toolLimitReached: false,
    continuing: false,
    contextCharsAtLastTurn: 0,
  };
}

/** What a handler decided: generate the next turn, or end the trajectory. */
export type TurnOutcome = { next: 'generate' } | { next: 'finish'; end: Trajectory['end']; error?: string; tokensSaved?: number };

export const GENERATE: TurnOutcome = { next: 'generate' };

export function finishWith(end: Trajectory['end'], extra: { error?: string; tokensSaved?: number } = {}): TurnOutcome {
  return { next: 'finish', end, ...extra };
}

/** Is the model going round in circles? Checked before generating more of its own text. */
export function isLooping(ctx: RolloutContext, state: RolloutState): boolean {
  const guard = ctx.deps.options.repetition;
  return guard !== null && findLoop(state.text.tail(guard.windowChars), guard) !== null;
}

export function repetitionAbort(ctx: RolloutContext, state: RolloutState): TurnOutcome {
  return finishWith('repetition_abort', { tokensSaved: Math.max(0, ctx.input.recipe.sampling.maxTokens - state.generated) });
}

/** Keep generating the model's own text, unless it is looping. */
export function continueUnlessLooping(ctx: RolloutContext, state: RolloutState): TurnOutcome {
  if (isLooping(ctx, state)) return repetitionAbort(ctx, state);
  state.continuing = true;
  return GENERATE;
}
