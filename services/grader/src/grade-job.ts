import { Question, Trajectory, type JobPayload, type Verdict } from '@rft/contracts';
import { failGrading, insertGrades, markGraded, questionPayload, ungradedSamples, type Db, type NewGrade } from '@rft/db';
import { UnrecoverableError, type JobContext } from '@rft/queue';
import { decodeJsonlZst, type ObjectStore } from '@rft/storage';
import type { Logger } from '@rft/telemetry';
import type { GraderMetrics } from './grader-metrics.ts';

/** A sample row points at an object the store no longer has (deleted, or lost by the store). */
class LostTrajectoryObject extends UnrecoverableError {
  readonly key: string;
  constructor(key: string) {
    super(`trajectory object ${key} is missing`);
    this.key = key;
  }
}

/** What the grade job needs from a grader. */
export interface SampleGrader {
  readonly version: string;
  grade(input: { question: Question; trajectory: Trajectory }): Promise<Verdict>;
}

export interface GradeJobDeps {
  db: Db;
  store: ObjectStore;
  grader: SampleGrader;
  log: Logger;
  metrics?: GraderMetrics;
}

/**
 * Grades every stored sample of one question in one stage that has no verdict from this grader
 * version yet. Verdicts are keyed by (sample, grader version): re-running is harmless, and a new
 * grader version re-grades without regenerating.
 */
export async function runGradeJob(deps: GradeJobDeps, payload: JobPayload<'grade'>, ctx: JobContext): Promise<void> {
  const log = deps.log.child({ campaignId: payload.campaignId, questionId: payload.questionId, stage: payload.stage, job: ctx.job.id });
  try {
    await grade(deps, payload, log);
  } catch (error) {
    // Transient faults are retried; one that will not fix itself, or the last attempt, settles the
    // item as failed with the reason (the campaign curates the rest; on-call sees it).
    if (!(error instanceof UnrecoverableError || ctx.isLastAttempt)) throw error;
    const lost = error instanceof LostTrajectoryObject ? error.key : undefined;
    const reason =
      `grading failed: ${error instanceof Error ? error.message : String(error)}` +
      (lost ? '; its samples were dropped from the ledger, so `rft retry` regenerates them' : '');
    const { failed, samplesDropped } = await failGrading(deps.db, payload, reason, lost);
    if (failed) deps.metrics?.item(payload, 'failed');
    if (failed) log.error({ err: error, samplesDropped }, 'grading failed; work item marked failed');
    throw error instanceof UnrecoverableError ? error : new UnrecoverableError(reason);
  }
}

async function grade(deps: GradeJobDeps, payload: JobPayload<'grade'>, log: Logger): Promise<void> {
  const questionRow = await questionPayload(deps.db, payload.campaignId, payload.questionId);
  if (questionRow === undefined)
    throw new UnrecoverableError(`question ${payload.questionId} of campaign ${payload.campaignId} does not exist`);
  const question = Question.parse(questionRow);

  const samples = await ungradedSamples(deps.db, payload, deps.grader.version);
  const objects = new Map<string, unknown[]>();
  for (const key of new Set(samples.map((s) => s.trajectoryKey))) {
    const bytes = await deps.store.get(key);
    // A sample row is written only after its object: a missing object is corruption, not a race.
    if (!bytes) throw new LostTrajectoryObject(key);
    objects.set(key, decodeJsonlZst(bytes));
  }

  const grades: NewGrade[] = [];
  for (const sample of samples) {
    const line = objects.get(sample.trajectoryKey)?.[sample.trajectoryLine];
    const trajectory = Trajectory.safeParse(line);
    if (!trajectory.success) throw new UnrecoverableError(`line ${sample.trajectoryLine} of ${sample.trajectoryKey} is not a trajectory`);
    const started = performance.now();
    const verdict = await deps.grader.grade({ question, trajectory: trajectory.data });
    deps.metrics?.verdict(payload, verdict, (performance.now() - started) / 1000);
    const gradeMs = verdict.metrics['gradeMs'];
    grades.push({
      graderCpuMs: typeof gradeMs === 'number' ? gradeMs : null,
      sampleId: sample.id,
      graderVersion: verdict.graderVersion,
      correct: verdict.correct,
      eligible: verdict.eligible,
      reasons: verdict.reasons,
      metrics: verdict.metrics,
    });
  }
  await deps.db.transaction().execute(async (tx) => {
    await insertGrades(tx, grades);
    await markGraded(tx, payload);
  });
  deps.metrics?.item(payload, 'graded');
  log.debug({ graded: grades.length, correct: grades.filter((g) => g.correct).length }, 'samples graded');
}
