/** The rollout engine: replicas, chat template, hint library, sandbox and metrics wired around the per-sample loop. */
import { resolveModelProfile, UnknownModelProfileError, type PythonRunner, type Trajectory } from '@rft/contracts';
import type { Registry } from 'prom-client';
import { CapacityController, type Capacity, type CapacityOptions } from './capacity-controller.ts';
import type { ChatTemplateSource } from './chat-template.ts';
import { createHttpAgent } from './completion-client.ts';
import { createEngineMetrics, type EngineMetrics } from './engine-metrics.ts';
import { loadHintLibrary, validateHintLibrary, type HintLibrary } from './hint-library.ts';
import { generateWithRetry, type RetryOptions } from './inference-caller.ts';
import { createProfilePrompts, type ProfilePrompts } from './profile-prompts.ts';
import { ReplicaPool, type ReplicaPoolOptions, type ReplicaState } from './replica-pool.ts';
import { DEFAULT_REPETITION_GUARD } from './repetition-guard.ts';
import { affinityKey, runRollout, type LoopOptions, type SampleInput, type SampleObserver } from './rollout-loop.ts';

export interface EngineLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface EngineOptions extends LoopOptions, RetryOptions, ReplicaPoolOptions {
  capacity: CapacityOptions;
  /** The servers' context window in tokens; read from `max_model_len` of GET /v1/models when absent (null: no cap). */
  contextWindowTokens?: number | null;
}

export interface RolloutEngineDeps {
  /** OpenAI-compatible base URLs of the replicas (vLLM or SGLang), e.g. http://10.0.0.5:8000. */
  endpoints: string[];
  /** Sent as `model`. */
  model: string;
  sandbox: PythonRunner;
  /**
   * The model profile of samples that name none (`SampleInput.modelProfile`); `qwq-32b` when absent.
   * An unknown name is refused naming the known ones.
   */
  profile?: string;
  /** tokenizer_config.json path, parsed config or template: overrides the profiles' own templates. */
  chatTemplate?: ChatTemplateSource;
  /** Hint library path or object; defaults to hints/hint-library.v1.json. */
  hints?: string | HintLibrary;
  logger?: EngineLogger;
  /** Metrics are registered here (a fresh Registry when absent). */
  metrics?: Registry;
  options?: Partial<Omit<EngineOptions, 'capacity'>> & { capacity?: Partial<CapacityOptions> };
}

export interface RolloutEngine {
  /**
   * Never throws for problems of this one sample (template failure, malformed replica JSON, a stop
   * that never comes): returns a Trajectory with end 'error' and a reason in `error`. Throws only
   * when aborted by `signal` or when no replica (or sandbox) can serve at all (RetryLaterError).
   */
  runSample(input: SampleInput, signal: AbortSignal, observer?: SampleObserver): Promise<Trajectory>;
  /** Backpressure: take more samples while inFlight < limit. */
  capacity(): Capacity;
  replicas(): ReplicaState[];
  /** Drops the routing memory of a finished question. */
  forgetQuestion(campaignId: string, questionId: string): void;
  readonly metrics: EngineMetrics;
  close(): Promise<void>;
}

export const DEFAULT_ENGINE_OPTIONS: Omit<EngineOptions, 'capacity'> = {
  chunkTokens: 2048,
  repetition: DEFAULT_REPETITION_GUARD,
  maxTurns: 400,
  maxTriggerHints: 4,
  toolOutputMaxChars: 4_000,
  sandboxAttempts: 3,
  toolSessions: true,
  maxAttempts: 4,
  backoffBaseMs: 500,
  backoffMaxMs: 15_000,
  requestTimeoutMs: 30 * 60_000,
  maxInFlightPerReplica: 1024,
  failureThreshold: 5,
  probeIntervalMs: 2_000,
  affinityCapacity: 100_000,
  affinity: true,
};

const noopLogger: EngineLogger = { info: () => {}, warn: () => {}, error: () => {} };

export function createRolloutEngine(deps: RolloutEngineDeps): RolloutEngine {
  const { capacity: capacityOverrides, ...overrides } = deps.options ?? {};
  const options = { ...DEFAULT_ENGINE_OPTIONS, ...overrides };
  const logger = deps.logger ?? noopLogger;
  const metrics = createEngineMetrics(deps.metrics);
  const defaultProfile = resolveModelProfile(deps.profile).name;
  const promptsFor = createProfilePrompts(deps.chatTemplate);
  promptsFor(defaultProfile); // a broken template fails here, not on the first sample
  const hints = typeof deps.hints === 'object' ? validateHintLibrary(deps.hints) : loadHintLibrary(deps.hints);
  if (!deps.model) throw new Error('model: required (the name the inference servers serve)');
  const agent = createHttpAgent(options.maxInFlightPerReplica + 8);
  const lastHealth = new Map<string, string>();
  const pool = new ReplicaPool(
    deps.endpoints,
    options,
    (url) => probe(url),
    (state) => {
      metrics.replicaInFlight.set({ replica: state.url }, state.inFlight);
      metrics.replicaUp.set({ replica: state.url }, state.health === 'up' ? 1 : 0);
      if ((lastHealth.get(state.url) ?? 'up') !== state.health) {
        if (state.health === 'down')
          logger.warn({ replica: state.url, consecutiveFailures: state.consecutiveFailures }, 'replica taken out of rotation');
        else logger.info({ replica: state.url }, 'replica back in rotation');
      }
      lastHealth.set(state.url, state.health);
    },
  );
  for (const r of pool.states()) metrics.replicaUp.set({ replica: r.url }, 1);
  const capacity = new CapacityController({
    initialLimit: 64 * deps.endpoints.length,
    minLimit: 1,
    maxLimit: options.maxInFlightPerReplica * deps.endpoints.length * 4,
    metricsPollMs: 1_000,
    targetWaitingPerReplica: 3,
    additiveStep: 4,
    decreaseFactor: 0.85,
    ...capacityOverrides,
  });
  metrics.capacityLimit.set(capacity.limit);
  capacity.start(
    agent,
    () =>
      pool
        .states()
        .filter((r) => r.health === 'up')
        .map((r) => r.url),
    (limit) => metrics.capacityLimit.set(limit),
  );

  async function probe(url: string): Promise<boolean> {
    try {
      const u = new URL('/v1/models', url);
      const res = await agent.request({ origin: u.origin, path: u.pathname, method: 'GET', signal: AbortSignal.timeout(5_000) });
      await res.body.dump();
      return res.statusCode === 200;
    } catch {
      return false;
    }
  }

  // vLLM reports max_model_len in its model card; asked once, from whichever replica answers.
  let contextWindow: Promise<number | null> | null =
    deps.options?.contextWindowTokens !== undefined ? Promise.resolve(deps.options.contextWindowTokens) : null;
  const getContextWindow = (): Promise<number | null> => {
    contextWindow ??= modelCardWindow();
    return contextWindow;
  };
  async function modelCardWindow(): Promise<number | null> {
    for (const { url } of pool.states()) {
      try {
        const u = new URL('/v1/models', url);
        const res = await agent.request({ origin: u.origin, path: u.pathname, method: 'GET', signal: AbortSignal.timeout(5_000) });
        if (res.statusCode !== 200) {
          await res.body.dump();
          continue;
        }
        const body = (await res.body.json()) as { data?: Array<{ id?: string; max_model_len?: unknown }> };
        const card = body.data?.find((m) => m.id === deps.model) ?? body.data?.[0];
        if (typeof card?.max_model_len === 'number') return card.max_model_len;
        return null;
      } catch {}
    }
    contextWindow = null; // ask again next time
    return null;
  }

  let closed = false;
  return {
    metrics,
    async runSample(input, signal, observer) {
      if (closed) throw new Error('rollout engine is closed');
      capacity.inFlight++;
      metrics.trajectoriesInFlight.inc();
      const endSample = pool.beginSample(affinityKey(input.campaignId, input.question.id));
      try {
        let prompts: ProfilePrompts;
        try {
          prompts = promptsFor(input.modelProfile ?? defaultProfile);
        } catch (error) {
          if (!(error instanceof UnknownModelProfileError)) throw error;
          return unknownProfileTrajectory(input, error.message, metrics);
        }
        const trajectory = await runRollout(
          {
            model: deps.model,
            generate: (key, params, s) => generateWithRetry({ pool, agent, metrics, retry: options }, key, params, s),
            profile: prompts.profile,
            renderPrompt: prompts.renderPrompt,
            chatTemplateSha256: prompts.chatTemplateSha256,
            sandbox: deps.sandbox,
            hints,
            metrics,
            options,
            contextWindow: getContextWindow,
          },
          input,
          signal,
          observer,
        );
        if (trajectory.end === 'error')
          logger.warn(
            { campaignId: input.campaignId, questionId: input.question.id, sampleIndex: input.sampleIndex, error: trajectory.error },
            'sample ended with an error',
          );
        return trajectory;
      } finally {
        endSample();
        capacity.inFlight--;
        metrics.trajectoriesInFlight.dec();
      }
    },
    capacity: () => capacity.snapshot(),
    replicas: () => pool.states(),
    forgetQuestion: (campaignId, questionId) => pool.forget(affinityKey(campaignId, questionId)),
    async close() {
      closed = true;
      capacity.close();
      pool.close();
      await agent.close();
    },
  };
}

/** A sample whose campaign names a profile this build does not know: an error naming the known ones. */
function unknownProfileTrajectory(input: SampleInput, message: string, metrics: EngineMetrics): Trajectory {
  metrics.errors.inc({ kind: 'model_profile' });
  metrics.trajectories.inc({ end: 'error' });
  return {
    campaignId: input.campaignId,
    questionId: input.question.id,
    stage: input.stage,
    sampleIndex: input.sampleIndex,
    seed: input.seed,
    recipe: input.recipe.name,
    ...(input.modelProfile ? { modelProfile: input.modelProfile } : {}),
    segments: [],
    turns: [],
    end: 'error',
    error: message,
    toolCalls: 0,
    hintsInserted: 0,
  };
}
