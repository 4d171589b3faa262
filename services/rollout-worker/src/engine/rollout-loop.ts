/**
 * One sample: generate until a stop, act on it (run a python block, insert a hint after a trigger
 * word or before the end of thinking, or just continue), until EOS, the token budget, an early abort
 * of a degenerate loop, or an error of this sample.
 */
import {
  assertNever,
  type ExecutionResult,
  type PythonRunner,
  type Question,
  type Recipe,
  type Trajectory,
  type TurnUsage,
} from '@rft/contracts';
import type { CompletionParams } from './completion-client.ts';
import { InferenceError, RetryLaterError } from './engine-errors.ts';
import type { EngineMetrics } from './engine-metrics.ts';
import { continuationAfterTrigger, drawHint, type Hint, type HintLibrary, type HintPlacement } from './hint-library.ts';
import type { GenerateOutcome } from './inference-caller.ts';
import { findLoop, type RepetitionGuardOptions } from './repetition-guard.ts';
import { createRandom, type Random } from '@rft/seeded-random';
import { interpretStop, stopAcrossChunks, stopStrings, THINK_END, type StopPlanInput } from './stop-plan.ts';
import { formatToolOutput, toolLimitNotice } from './tool-output.ts';
import { TrajectoryText } from './trajectory-text.ts';

export interface SampleInput {
  campaignId: string;
  question: Question;
  stage: string;
  sampleIndex: number;
  seed: number;
  recipe: Recipe;
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
  /** Run the python blocks of one sample in one sandbox session (state carries over), instead of each on its own. */
  toolSessions: boolean;
}

export interface LoopDeps {
  model: string;
  generate(key: string, params: CompletionParams, signal: AbortSignal): Promise<GenerateOutcome>;
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

/** Characters per token assumed when estimating the prompt size (low on purpose: code and digits tokenize densely). */
const CONSERVATIVE_CHARS_PER_TOKEN = 2;

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
  const { metrics, options } = deps;
  const base = {
    campaignId: input.campaignId,
    questionId: question.id,
    stage: input.stage,
    sampleIndex: input.sampleIndex,
    seed: input.seed,
    recipe: recipe.name,
    ...(deps.chatTemplateSha256 ? { chatTemplateSha256: deps.chatTemplateSha256 } : {}),
    hintLibraryVersion: deps.hints.version,
  };
  const turns: TurnUsage[] = [];
  let prompt: string;
  try {
    prompt = deps.renderPrompt(question, recipe);
  } catch (error) {
    metrics.errors.inc({ kind: 'chat_template' });
    return { ...base, segments: [], turns, end: 'error', error: (error as Error).message, toolCalls: 0, hintsInserted: 0 };
  }
  const text = new TrajectoryText(prompt);
  const rng: Random = createRandom((input.seed ^ 0x5bd1e995) >>> 0);
  const key = affinityKey(input.campaignId, question.id);
  const budget = recipe.sampling.maxTokens;
  const hintsOn = recipe.hints.enabled && recipe.tools.enabled;
  const usedHints = new Set<string>();
  let generated = 0;
  let toolCalls = 0;
  let hintsInserted = 0;
  let triggerHints = 0;
  let thinkEndHints = 0;
  let toolLimitReached = false;
  let continuing = false; // the previous turn stopped mid-text (chunk end or an ignored stop)
  let contextCharsAtLastTurn = 0; // rendered characters covered by the last turn's prompt + completion

  const finish = (end: Trajectory['end'], extra: { error?: string; tokensSaved?: number } = {}): Trajectory => {
    metrics.trajectories.inc({ end });
    if (extra.tokensSaved) metrics.tokensSaved.inc(extra.tokensSaved);
    return { ...base, segments: text.segments, turns, end, ...extra, toolCalls, hintsInserted };
  };

  const insertHint = (placement: HintPlacement, trigger: string | null): void => {
    const hint: Hint = drawHint(deps.hints, placement, question, rng, usedHints);
    usedHints.add(hint.id);
    const inserted = trigger ? continuationAfterTrigger(hint.text, recipe.hints.triggerWords) : hint.text;
    text.add('hint', inserted, {
      hintId: hint.id,
      purpose: hint.purpose,
      placement,
      library: deps.hints.version,
      ...(trigger ? { trigger } : {}),
    });
    hintsInserted++;
    metrics.hints.inc({ purpose: hint.purpose, placement });
  };

  for (let turnIndex = 0; ; turnIndex++) {
    if (turnIndex >= options.maxTurns) return finish('error', { error: `turn limit reached (${options.maxTurns} generate calls)` });
    const remaining = budget - generated;
    if (remaining <= 0) return finish('token_budget');
    const before = text.assistant;
    const thinkClosed = before.includes(THINK_END);
    const toolsLeft = recipe.tools.enabled && toolCalls < recipe.tools.maxCalls;
    const plan: StopPlanInput = {
      codeStop: recipe.tools.enabled && !toolLimitReached,
      triggerWords:
        hintsOn && toolsLeft && !thinkClosed && recipe.hints.triggerProbability > 0 && triggerHints < options.maxTriggerHints
          ? recipe.hints.triggerWords
          : [],
      thinkEndStop: hintsOn && toolsLeft && !thinkClosed && thinkEndHints < recipe.hints.beforeThinkEnd,
    };
    const stops = stopStrings(plan);
    let maxTokens = options.chunkTokens ? Math.min(remaining, options.chunkTokens) : remaining;
    const window = await deps.contextWindow();
    if (window !== null) {
      const last = turns[turns.length - 1];
      const promptEstimate = last
        ? last.promptTokens + last.completionTokens + Math.ceil((text.text.length - contextCharsAtLastTurn) / CONSERVATIVE_CHARS_PER_TOKEN)
        : Math.ceil(text.text.length / CONSERVATIVE_CHARS_PER_TOKEN);
      const room = window - promptEstimate;
      if (room < 16) return finish('token_budget'); // the context window is full
      maxTokens = Math.min(maxTokens, room);
    }
    let outcome: GenerateOutcome;
    try {
      outcome = await deps.generate(
        key,
        {
          model: deps.model,
          prompt: text.text,
          maxTokens,
          temperature: recipe.sampling.temperature,
          topP: recipe.sampling.topP,
          topK: recipe.sampling.topK,
          minP: recipe.sampling.minP,
          repetitionPenalty: recipe.sampling.repetitionPenalty,
          seed: input.seed,
          stop: stops,
        },
        signal,
      );
    } catch (error) {
      if (error instanceof InferenceError && !signal.aborted) {
        const what = error.retryable ? 'inference failed after retries' : 'inference failed';
        return finish('error', { error: `${what} (${error.kind}) on ${error.replica}: ${error.message}` });
      }
      throw error;
    }
    const r = outcome.result;
    const turn: TurnUsage = {
      promptTokens: r.promptTokens,
      completionTokens: r.completionTokens,
      cachedTokens: r.cachedTokens,
      finishReason: r.finishReason,
      stopReason: r.stopReason,
      latencyMs: Math.round(outcome.latencyMs * 10) / 10,
      replica: outcome.replica,
    };
    turns.push(turn);
    try {
      observer.onTurn?.(turn, turns.length - 1);
    } catch {
      // progress reporting must not break the sample
    }
    generated += r.completionTokens;
    contextCharsAtLastTurn = text.text.length + r.text.length;
    metrics.turns.inc({ finish_reason: r.finishReason });
    metrics.generatedTokens.inc({ replica: outcome.replica }, r.completionTokens);
    metrics.promptTokens.inc({ replica: outcome.replica }, r.promptTokens);
    if (r.cachedTokens) metrics.cachedTokens.inc({ replica: outcome.replica }, r.cachedTokens);

    let turnText = r.text;
    let finishReason = r.finishReason;
    let stop = finishReason === 'stop' && typeof r.stopReason === 'string' ? r.stopReason : null;
    if (continuing && stops.length) {
      const across = stopAcrossChunks(text.tail(64), turnText, stops);
      if (across) {
        turnText = turnText.slice(0, across.cutAt);
        finishReason = 'stop';
        stop = across.stop;
      }
    }
    continuing = false;

    // Before generating more of the model's own text, make sure it is not going round in circles.
    const looping = (): boolean =>
      options.repetition !== null && findLoop(text.tail(options.repetition.windowChars), options.repetition) !== null;

    if (finishReason === 'length') {
      text.add('model', turnText);
      if (generated >= budget) return finish('token_budget');
      if (looping()) return finish('repetition_abort', { tokensSaved: budget - generated });
      continuing = true;
      continue;
    }
    if (finishReason === 'repetition') {
      text.add('model', turnText);
      return finish('repetition_abort', { tokensSaved: Math.max(0, budget - generated) });
    }
    if (finishReason !== 'stop') {
      text.add('model', turnText);
      return finish('error', { error: `the server ended the turn with finish_reason ${JSON.stringify(finishReason)}` });
    }
    if (stop === null) {
      text.add('model', turnText); // end of sequence
      return finish('eos');
    }

    const meaning = interpretStop(stop, before, turnText, plan);
    switch (meaning.kind) {
      case 'none':
        text.add('model', turnText);
        if (looping()) return finish('repetition_abort', { tokensSaved: Math.max(0, budget - generated) });
        continuing = true;
        break;
      case 'trigger':
        text.add('model', turnText);
        if (rng.next() < recipe.hints.triggerProbability) {
          triggerHints++;
          insertHint('afterTrigger', meaning.word);
        } else {
          if (looping()) return finish('repetition_abort', { tokensSaved: Math.max(0, budget - generated) });
          continuing = true;
        }
        break;
      case 'think_end':
        text.add('model', turnText.slice(0, turnText.length - THINK_END.length));
        thinkEndHints++;
        insertHint('beforeThinkEnd', null);
        break;
      case 'code_end': {
        const cut = Math.max(0, meaning.codeStartInTurn);
        text.add('model', turnText.slice(0, cut));
        text.add('code', turnText.slice(cut));
        if (toolCalls >= recipe.tools.maxCalls) {
          text.add('system', toolLimitNotice(recipe.tools.maxCalls), { notice: 'tool_limit' });
          toolLimitReached = true;
          break;
        }
        toolCalls++;
        const session = options.toolSessions ? `${input.campaignId}/${question.id}/${input.stage}/${input.sampleIndex}` : undefined;
        const result = await execute(deps, meaning.code, recipe.tools.timeoutMs, session, signal);
        metrics.toolCalls.inc({ status: result.status });
        metrics.toolSeconds.observe(result.wallMs / 1000);
        text.add('tool_output', formatToolOutput(result, recipe.tools.timeoutMs, options.toolOutputMaxChars), {
          status: result.status,
          wallMs: Math.round(result.wallMs),
          cpuMs: Math.round(result.cpuMs),
        });
        break;
      }
      default:
        assertNever(meaning, 'stop meaning');
    }
  }
}

/** Runs a python block; an unavailable sandbox is retried, then the whole job is retried later. */
async function execute(
  deps: LoopDeps,
  code: string,
  timeoutMs: number,
  sessionId: string | undefined,
  signal: AbortSignal,
): Promise<ExecutionResult> {
  let lastProblem = '';
  for (let attempt = 1; attempt <= deps.options.sandboxAttempts; attempt++) {
    signal.throwIfAborted();
    try {
      const result = await deps.sandbox.run({ code, limits: { timeoutMs }, ...(sessionId ? { sessionId } : {}) }, signal);
      if (result.status !== 'busy' && result.status !== 'sandbox_error') return result;
      lastProblem = `${result.status}: ${result.stderr.slice(0, 200)}`;
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      lastProblem = (error as Error).message;
    }
    deps.metrics.errors.inc({ kind: 'sandbox' });
    if (attempt < deps.options.sandboxAttempts) await new Promise((r) => setTimeout(r, 250 * 2 ** attempt * Math.random()));
  }
  throw new RetryLaterError(`python sandbox unavailable after ${deps.options.sandboxAttempts} attempts: ${lastProblem}`);
}
