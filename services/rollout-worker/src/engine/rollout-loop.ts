/**
 * One sample as a small state machine: plan a turn, generate until a stop, then hand the turn to
 * the handler of its stop kind (length, trigger word, end of thinking, code end, EOS), which
 * updates the turn state and says whether to generate again or finish.
 */
import { assertNever, type Trajectory, type TurnUsage } from '@rft/contracts';
import { createRandom } from '@rft/seeded-random';
import { onCodeEndStop } from './code-end-stop.ts';
import { InferenceError } from './engine-errors.ts';
import { onEosStop } from './eos-stop.ts';
import type { GenerateOutcome } from './inference-caller.ts';
import { markInventedOutputs } from './invented-output.ts';
import { onLengthStop } from './length-stop.ts';
import { closeToolSession, toolStateFor } from './python-execution.ts';
import {
  continueUnlessLooping,
  createRolloutState,
  finishWith,
  repetitionAbort,
  type LoopDeps,
  type RolloutContext,
  type RolloutState,
  type SampleInput,
  type TurnOutcome,
} from './rollout-context.ts';
import { interpretStop, stopAcrossChunks } from './stop-plan.ts';
import { onThinkEndStop } from './think-end-stop.ts';
import { onTriggerStop } from './trigger-stop.ts';
import { planTurn, recordTurn, type TurnPlan } from './turn-request.ts';

export type { LoopDeps, LoopOptions, SampleInput } from './rollout-context.ts';

/** Optional progress callbacks, e.g. to heartbeat a job once per turn. Errors thrown here are ignored. */
export interface SampleObserver {
  onTurn?(turn: TurnUsage, turnIndex: number): void;
}

export function affinityKey(campaignId: string, questionId: string): string {
  return `${campaignId}\u0000${questionId}`;
}

export async function runRollout(
  deps: LoopDeps,
  input: SampleInput,
  signal: AbortSignal,
  observer: SampleObserver = {},
): Promise<Trajectory> {
  const { question, recipe } = input;
  const base = {
    campaignId: input.campaignId,
    questionId: question.id,
    stage: input.stage,
    sampleIndex: input.sampleIndex,
    seed: input.seed,
    recipe: recipe.name,
    ...(deps.chatTemplateSha256 ? { chatTemplateSha256: deps.chatTemplateSha256 } : {}),
    hintLibraryVersion: deps.hints.version,
    modelProfile: deps.profile.name,
    endOfTurn: deps.profile.endOfTurn,
    ...(recipe.tools.enabled ? { toolState: toolStateFor(deps, recipe) } : {}),
  };
  let prompt: string;
  try {
    prompt = deps.renderPrompt(question, recipe);
  } catch (error) {
    deps.metrics.errors.inc({ kind: 'chat_template' });
    return { ...base, segments: [], turns: [], end: 'error', error: (error as Error).message, toolCalls: 0, hintsInserted: 0 };
  }
  const ctx: RolloutContext = { deps, input, signal, rng: createRandom((input.seed ^ 0x5bd1e995) >>> 0) };
  const state = createRolloutState(prompt);
  let outcome: TurnOutcome;
  try {
    outcome = await drive(ctx, state, observer);
  } finally {
    // However the sample ends (finish, abort, failure), its interpreter goes with it.
    await closeToolSession(ctx);
  }
  if (outcome.next !== 'finish') throw new Error('unreachable: the loop returned without finishing');
  if (markInventedOutputs(state.text.segments) > 0) deps.metrics.errors.inc({ kind: 'invented_output' });
  deps.metrics.trajectories.inc({ end: outcome.end });
  if (outcome.tokensSaved) deps.metrics.tokensSaved.inc(outcome.tokensSaved);
  return {
    ...base,
    segments: state.text.segments,
    turns: state.turns,
    end: outcome.end,
    ...(outcome.error !== undefined ? { error: outcome.error } : {}),
    ...(outcome.tokensSaved !== undefined ? { tokensSaved: outcome.tokensSaved } : {}),
    toolCalls: state.toolCalls,
    hintsInserted: state.hintsInserted,
  };
}

async function drive(ctx: RolloutContext, state: RolloutState, observer: SampleObserver): Promise<TurnOutcome> {
  const { deps, input, signal } = ctx;
  for (let turnIndex = 0; ; turnIndex++) {
    if (turnIndex >= deps.options.maxTurns)
      return finishWith('error', { error: `turn limit reached (${deps.options.maxTurns} generate calls)` });
    if (input.recipe.sampling.maxTokens - state.generated <= 0) return finishWith('token_budget');
    const turnPlan = await planTurn(ctx, state);
    if (turnPlan === null) return finishWith('token_budget'); // the context window is full
    let outcome: GenerateOutcome;
    try {
      outcome = await deps.generate(affinityKey(input.campaignId, input.question.id), requestParams(ctx, state, turnPlan), signal);
    } catch (error) {
      if (error instanceof InferenceError && !signal.aborted) {
        const what = error.retryable ? 'inference failed after retries' : 'inference failed';
        return finishWith('error', { error: `${what} (${error.kind}) on ${error.replica}: ${error.message}` });
      }
      throw error;
    }
    const before = state.text.assistant;
    const turn = recordTurn(ctx, state, outcome);
    try {
      observer.onTurn?.(turn, state.turns.length - 1);
    } catch {
      // progress reporting must not break the sample
    }
    const next = await handleTurn(ctx, state, turnPlan, before, outcome);
    if (next.next === 'finish') return next;
  }
}

function requestParams(ctx: RolloutContext, state: RolloutState, turnPlan: TurnPlan) {
  const s = ctx.input.recipe.sampling;
  return {
    model: ctx.deps.model,
    prompt: state.text.text,
    maxTokens: turnPlan.maxTokens,
    temperature: s.temperature,
    topP: s.topP,
    topK: s.topK,
    minP: s.minP,
    repetitionPenalty: s.repetitionPenalty,
    seed: ctx.input.seed,
    stop: turnPlan.stops,
  };
}

/** Dispatches a finished turn to the handler of its stop kind. */
async function handleTurn(
  ctx: RolloutContext,
  state: RolloutState,
  turnPlan: TurnPlan,
  textBefore: string,
  outcome: GenerateOutcome,
): Promise<TurnOutcome> {
  let before = textBefore;
  const r = outcome.result;
  let turnText = r.text;
  let finishReason = r.finishReason;
  let stop = finishReason === 'stop' && typeof r.stopReason === 'string' ? r.stopReason : null;
  if (state.continuing && turnPlan.stops.length) {
    const across = stopAcrossChunks(state.text.tail(64), turnText, turnPlan.stops);
    // The first part of the stop ended the previous (length-cut) turn: take it back so this turn
    // ends with the whole stop string, as if the server had matched it.
    const held = across ? state.text.takeBack(across.stop.length - across.cutAt) : null;
    if (across && held !== null) {
      turnText = held + turnText.slice(0, across.cutAt);
      finishReason = 'stop';
      stop = across.stop;
      before = state.text.assistant;
    }
  }
  state.continuing = false;

  if (finishReason === 'length') return onLengthStop(ctx, state, turnText);
  if (finishReason === 'repetition') {
    state.text.add('model', turnText);
    return repetitionAbort(ctx, state);
  }
  if (finishReason !== 'stop') {
    state.text.add('model', turnText);
    return finishWith('error', { error: `the server ended the turn with finish_reason ${JSON.stringify(finishReason)}` });
  }
  if (stop === null) return onEosStop(ctx, state, turnText);

  const meaning = interpretStop(stop, before, turnText, turnPlan.plan);
  switch (meaning.kind) {
    case 'none':
      state.text.add('model', turnText);
      return continueUnlessLooping(ctx, state);
    case 'trigger':
      return onTriggerStop(ctx, state, turnText, meaning.word);
    case 'think_end':
      return onThinkEndStop(ctx, state, turnText);
    case 'code_end':
      return onCodeEndStop(ctx, state, turnText, meaning);
    default:
      return assertNever(meaning, 'stop meaning');
  }
}
