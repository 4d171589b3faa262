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
    await grade(deps, payload, log, ctx.isLastAttempt);
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

/**
 * The grader could not judge some samples (`grader_error`: its sandbox answered busy or failed,
 * or its comparison worker crashed; `grader_timeout`: the comparison ran out of time, as it does
 * on a starved machine). While attempts remain those samples are left ungraded and the job runs
 * again for them: a fault of the system must not become the lasting verdict on a correct answer
 * (verdicts are kept per grader version, the first one stays). The last attempt records them.
 */
class GraderFault extends Error {}

/** Verdict reasons that say the grader failed, not that the answer did. */
const SYSTEM_FAULTS: ReadonlySet<string> = new Set(['grader_error', 'grader_timeout']);

function emitVerdicts(
  deps: GradeJobDeps,
  payload: JobPayload<'grade'>,
  timed: ReadonlyArray<{ sampleId: string; verdict: Verdict; seconds: number }>,
  kept: readonly NewGrade[],
): void {
  const stored = new Set(kept.map((g) => g.sampleId));
  for (const { sampleId, verdict, seconds } of timed) {
    if (stored.has(sampleId)) deps.metrics?.verdict(payload, verdict, seconds);
  }
}

function faultDetail(grade: NewGrade): string {
  const m = grade.metrics as {
    graderError?: unknown;
    compareDetail?: unknown;
    undecided?: unknown;
    tests?: { firstFailure?: { detail?: unknown } | null };
  };
  const detail = [m.graderError, m.tests?.firstFailure?.detail, m.compareDetail, m.undecided].find(
    (d) => typeof d === 'string' && d !== '',
  );
  return typeof detail === 'string' ? detail.slice(0, 300) : 'no detail';
}

async function grade(deps: GradeJobDeps, payload: JobPayload<'grade'>, log: Logger, isLastAttempt: boolean): Promise<void> {
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
  const timed: Array<{ sampleId: string; verdict: Verdict; seconds: number }> = [];
  for (const sample of samples) {
    const line = objects.get(sample.trajectoryKey)?.[sample.trajectoryLine];
    const trajectory = Trajectory.safeParse(line);
    if (!trajectory.success) throw new UnrecoverableError(`line ${sample.trajectoryLine} of ${sample.trajectoryKey} is not a trajectory`);
    const started = performance.now();
    const verdict = await deps.grader.grade({ question, trajectory: trajectory.data });
    timed.push({ sampleId: sample.id, verdict, seconds: (performance.now() - started) / 1000 });
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
  const faulted = new Set(grades.filter((g) => g.reasons.some((r) => SYSTEM_FAULTS.has(r))));
  if (faulted.size > 0) {
    const first = faultDetail([...faulted][0]!);
    const what = `${faulted.size} of ${grades.length} samples could not be judged (first: ${first})`;
    if (!isLastAttempt) {
      // Keep what was judged; the others stay ungraded, and the retried job grades only them.
      const judged = grades.filter((g) => !faulted.has(g));
      await insertGrades(deps.db, judged);
      emitVerdicts(deps, payload, timed, judged);
      throw new GraderFault(`grader fault: ${what}; they are graded again`);
    }
    log.warn({ faulted: faulted.size }, `grader fault on the last attempt: ${what}; recorded as such`);
  }
  await deps.db.transaction().execute(async (tx) => {
    await insertGrades(tx, grades);
    await markGraded(tx, payload);
  });
  emitVerdicts(deps, payload, timed, grades);
  deps.metrics?.item(payload, 'graded');
  log.debug({ graded: grades.length, correct: grades.filter((g) => g.correct).length }, 'samples graded');
}
