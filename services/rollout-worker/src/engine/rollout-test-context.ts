/** Builds a sample's context and state for testing one handler alone (no inference server involved). */
import { BUILTIN_RECIPES, MODEL_PROFILES, Recipe, type ModelProfile, type PythonRunner, type Question } from '@rft/contracts';
import { createRandom } from '@rft/seeded-random';
import { Registry } from 'prom-client';
import { createEngineMetrics } from './engine-metrics.ts';
import { loadHintLibrary } from './hint-library.ts';
import { createRolloutState, type LoopOptions, type RolloutContext, type RolloutState } from './rollout-context.ts';
import { createSubprocessPythonRunner } from './subprocess-python-runner.ts';

export const TEST_PROMPT = '<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n<think>\n';

export const mathQuestion: Question = { id: 'q-1', kind: 'math', problem: 'What is 6 * 7?', answer: '42' };

export interface TestContextOptions {
  recipe?: Partial<Recipe>;
  options?: Partial<LoopOptions>;
  sandbox?: PythonRunner;
  question?: Question;
  seed?: number;
  profile?: ModelProfile;
}

export function testContext(opts: TestContextOptions = {}): { ctx: RolloutContext; state: RolloutState; registry: Registry } {
  const registry = new Registry();
  const recipe = Recipe.parse({ ...BUILTIN_RECIPES['hint-infer'], ...opts.recipe });
  const seed = opts.seed ?? 1;
  const ctx: RolloutContext = {
    deps: {
      model: 'test-model',
      generate: () => Promise.reject(new Error('a handler test never generates')),
      profile: opts.profile ?? MODEL_PROFILES['qwq-32b'],
      renderPrompt: () => TEST_PROMPT,
      chatTemplateSha256: null,
      sandbox: opts.sandbox ?? createSubprocessPythonRunner({ maxConcurrent: 1 }),
      hints: loadHintLibrary(),
      metrics: createEngineMetrics(registry),
      options: {
        chunkTokens: null,
        repetition: null,
        maxTurns: 50,
        maxTriggerHints: 4,
        toolOutputMaxChars: 4_000,
        sandboxAttempts: 1,
        toolSessions: false,
        ...opts.options,
      },
      contextWindow: () => Promise.resolve(null),
    },
    input: { campaignId: 'c', question: opts.question ?? mathQuestion, stage: 's', sampleIndex: 0, seed, recipe },
    rng: createRandom(seed),
    signal: new AbortController().signal,
  };
  return { ctx, state: createRolloutState(TEST_PROMPT), registry };
}

export const kinds = (state: RolloutState): string[] => state.text.segments.map((s) => s.kind);
