import {
  CampaignSpec,
  InfrastructureUnavailableError,
  infrastructureFaultOf,
  Question,
  resolveRecipe,
  sampleSeed,
  type JobPayload,
  type Trajectory,
} from '@rft/contracts';
import {
  finishGeneration,
  insertSamples,
  ownsAttempt,
  questionWithCampaign,
  recordFailure,
  startAttempt,
  storedSampleIndexes,
  touch,
  whileOwner,
  type Db,
  type NewSample,
} from '@rft/db';
import { UnrecoverableError, type JobContext, type JobQueues } from '@rft/queue';
import { encodeJsonlZst, objectKeys, type ObjectStore } from '@rft/storage';
import type { Logger } from '@rft/telemetry';
import { RetryLaterError, type RolloutEngine } from './engine/index.ts';

export interface RolloutJobDeps {
  db: Db;
  store: ObjectStore;
  queues: JobQueues;
  /** The engine serving a campaign's endpoints (campaigns may name their own replicas). */
  engineFor(spec: CampaignSpec): RolloutEngine;
  workerId: string;
  log: Logger;
  /** How often a running item proves it is alive to the lost-work sweep. @defaultValue 10 s */
  heartbeatMs?: number;
}

function toSampleRow(t: Trajectory, key: string, line: number): NewSample {
  const sum = (pick: (u: Trajectory['turns'][number]) => number) => t.turns.reduce((acc, u) => acc + pick(u), 0);
  return {
    sampleIndex: t.sampleIndex,
    seed: t.seed,
    recipe: t.recipe,
    endReason: t.end,
    error: t.error ?? null,
    trajectoryKey: key,
    trajectoryLine: line,
    turns: t.turns.length,
    toolCalls: t.toolCalls,
    hints: t.hintsInserted,
    promptTokens: sum((u) => u.promptTokens),
    cachedTokens: sum((u) => u.cachedTokens ?? 0),
    completionTokens: sum((u) => u.completionTokens),
    tokensSaved: t.tokensSaved ?? 0,
    latencyMs: sum((u) => u.latencyMs),
    sandboxCpuMs: t.segments.reduce(
      (acc, seg) => acc + (seg.kind === 'tool_output' && typeof seg.meta?.['cpuMs'] === 'number' ? seg.meta['cpuMs'] : 0),
      0,
    ),
  };
}

/** No replica (or sandbox) can serve: a fault of the fleet, not of this item; the job waits for it. */
function asInfrastructureFault(error: unknown): unknown {
  if (error instanceof RetryLaterError) return new InfrastructureUnavailableError(error.resource, error.message, { cause: error });
  return error;
}

/** An attempt whose samples include error trajectories failed; the message names the first cause. */
export class ErrorTrajectoriesError extends Error {
  override readonly name = 'ErrorTrajectoriesError';
}

/**
 * Generates the missing samples of one question in one stage. Samples already stored by an
 * earlier attempt are kept; the new ones go to S3 first (one object per attempt), then to
 * Postgres, where the unique key keeps the first writer if two attempts race.
 *
 * Every write is fenced by the attempt: the object is written only while the attempt owns the
 * item and its rows are inserted under the item's row lock, so a worker that lost its lock (paused,
 * partitioned) neither records anything nor leaves an object behind (its object is deleted when the
 * rows are refused; a crash in between leaves one for `sweep:orphans`).
 * A trajectory that ended with an error (malformed response, retries exhausted) is never a sample:
 * it is kept under failed-trajectories/ for diagnosis and the attempt fails, so a retry regenerates it.
 * When replicas, sandbox or store are down the job throws an InfrastructureUnavailableError: the
 * worker parks it without spending an attempt.
 */
export async function runRolloutJob(deps: RolloutJobDeps, payload: JobPayload<'rollout'>, ctx: JobContext): Promise<void> {
  const key = payload;
  const log = deps.log.child({ campaignId: key.campaignId, questionId: key.questionId, stage: key.stage, job: ctx.job.id });
  const row = await questionWithCampaign(deps.db, key.campaignId, key.questionId);
  if (!row) throw new UnrecoverableError(`question ${key.questionId} of campaign ${key.campaignId} does not exist`);
  if (row.status === 'cancelled') return;

  const started = await startAttempt(deps.db, key, deps.workerId);
  if (!started) {
    log.debug('work item already settled; nothing to do');
    return;
  }
  const spec = CampaignSpec.parse(row.spec);
  const question = Question.parse(row.payload);
  const stageSpec = spec.stages.find((s) => s.name === key.stage);
  if (!stageSpec) {
    await recordFailure(deps.db, key, started.attempt, `stage ${key.stage} is not in the campaign spec`, true);
    throw new UnrecoverableError(`stage ${key.stage} is not in the campaign spec`);
  }
  const recipe = resolveRecipe(stageSpec);
  const stored = await storedSampleIndexes(deps.db, key);
  const missing = Array.from({ length: started.samplesExpected }, (_, i) => i).filter((i) => !stored.has(i));

  const heartbeat = setInterval(() => {
    touch(deps.db, key).catch((error: unknown) => log.warn({ err: error }, 'heartbeat failed'));
    void ctx.job.updateProgress({ attempt: started.attempt }).catch(() => {});
  }, deps.heartbeatMs ?? 10_000);
  let engine: RolloutEngine | undefined;
  try {
    engine = deps.engineFor(spec);
    const running = engine;
    // Settled, not all-or-nothing: samples that finished are stored even when a sibling could not
    // be served, so the retry regenerates only what is still missing.
    const settled = await Promise.allSettled(
      missing.map((sampleIndex) =>
        running.runSample(
          {
            campaignId: key.campaignId,
            question,
            stage: key.stage,
            sampleIndex,
            seed: sampleSeed(key.campaignId, key.questionId, key.stage, sampleIndex),
            recipe,
            ...(spec.model.profile ? { modelProfile: spec.model.profile } : {}),
          },
          ctx.signal,
        ),
      ),
    );
    const generated = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const trajectories = generated.filter((t) => t.end !== 'error');
    const errored = generated.filter((t) => t.end === 'error');
    const firstFailure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!(await ownsAttempt(deps.db, key, started.attempt))) {
      log.warn({ attempt: started.attempt }, 'a newer attempt owns this item; storing nothing');
      return;
    }
    if (trajectories.length > 0) {
      const objectKey = objectKeys.trajectories(key.campaignId, key.stage, started.ordinal, started.attempt);
      await deps.store.put(objectKey, encodeJsonlZst(trajectories), { contentType: 'application/zstd' });
      const inserted = await whileOwner(deps.db, key, started.attempt, (tx) =>
        insertSamples(
          tx,
          key,
          started.attempt,
          trajectories.map((t, line) => toSampleRow(t, objectKey, line)),
        ),
      );
      if (inserted === null) {
        await deps.store
          .delete([objectKey])
          .catch((error: unknown) => log.warn({ err: error, objectKey }, 'could not delete a fenced object'));
        log.warn({ attempt: started.attempt }, 'a newer attempt took this item over while storing; object removed');
        return;
      }
      log.info({ generated: trajectories.length, inserted, attempt: started.attempt }, 'samples stored');
    }
    if (errored.length > 0) {
      const failedKey = objectKeys.failedTrajectories(key.campaignId, key.stage, started.ordinal, started.attempt);
      await deps.store.put(failedKey, encodeJsonlZst(errored), { contentType: 'application/zstd' });
    }
    if (firstFailure) throw asInfrastructureFault(firstFailure.reason);
    if (errored.length > 0) {
      const first = errored[0]!;
      throw new ErrorTrajectoriesError(
        `${errored.length} of ${missing.length} samples ended with an error; sample ${first.sampleIndex}: ${first.error ?? 'no reason given'}`,
      );
    }
    if (await finishGeneration(deps.db, key, started.attempt)) {
      await deps.queues.add('grade', key);
    } else {
      log.warn({ attempt: started.attempt }, 'a newer attempt owns this item; leaving it to that attempt');
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // Waiting for infrastructure never settles the item; only the item's own faults spend attempts.
    const waiting = infrastructureFaultOf(error) !== null;
    const final = !waiting && (ctx.isLastAttempt || error instanceof UnrecoverableError);
    await recordFailure(deps.db, key, started.attempt, reason, final).catch((dbError: unknown) =>
      log.error({ err: dbError }, 'could not record failure'),
    );
    log.warn(
      { err: error, attempt: started.attempt, final, waiting },
      waiting ? 'rollout attempt waits for infrastructure' : 'rollout attempt failed',
    );
    throw error;
  } finally {
    clearInterval(heartbeat);
    // The question's replica affinity only helps its own samples; without this the map fills to its cap.
    engine?.forgetQuestion(key.campaignId, key.questionId);
  }
}
