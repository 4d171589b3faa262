import {
  finishGeneration,
  insertCampaign,
  insertGrades,
  insertSamples,
  markGraded,
  recordFailure,
  startAttempt,
  type Db,
  type NewSample,
  type WorkKey,
} from '@rft/db';

/** Test support: a campaign in the ledger and the writes a rollout worker and a grader make. */

/**
 * Registers a campaign straight into the ledger: `questions` math questions `q0..`, each stage
 * expecting `samples` samples, `shardSize` questions per shard.
 */
export async function seedLedgerCampaign(
  db: Db,
  opts: { name?: string; team?: string; questions?: number; samples?: number; shardSize?: number; stages?: readonly string[] } = {},
): Promise<string> {
  const questions = Array.from({ length: opts.questions ?? 4 }, (_, i) => ({
    questionId: `q${i}`,
    kind: 'math' as const,
    payload: { id: `q${i}`, kind: 'math', problem: `What is ${i} + 1?`, answer: String(i + 1) },
  }));
  return insertCampaign(db, {
    name: opts.name ?? 'ledger-test',
    team: opts.team ?? 'test',
    spec: {},
    createdBy: 'fixture',
    shardSize: opts.shardSize ?? 2,
    stages: (opts.stages ?? ['rft']).map((name) => ({ name, samples: opts.samples ?? 4 })),
    questions,
  });
}

/** A stored sample row with plain defaults (one turn, no tools), for tests that need one to exist. */
export function testSample(overrides: Partial<NewSample> = {}): NewSample {
  return {
    sampleIndex: 0,
    seed: 0,
    recipe: 'rft',
    endReason: 'eos',
    error: null,
    trajectoryKey: 'trajectories/never-written.jsonl.zst',
    trajectoryLine: 0,
    turns: 1,
    toolCalls: 0,
    hints: 0,
    promptTokens: 1,
    cachedTokens: 0,
    completionTokens: 1,
    tokensSaved: 0,
    latencyMs: 1,
    ...overrides,
  };
}

/**
 * Does what a rollout worker and a grader do for one item: claims an attempt, stores the missing
 * samples (first writer wins), marks it generated, grades every sample and marks it graded.
 * `correct(i)` decides sample i's verdict.
 */
export async function completeItemAsWorkers(
  db: Db,
  key: WorkKey,
  opts: {
    correct?: (sampleIndex: number) => boolean;
    toolCalls?: (sampleIndex: number) => number;
    reasons?: (sampleIndex: number) => string[];
  } = {},
): Promise<{ attempt: number; inserted: number } | null> {
  const started = await startAttempt(db, key, 'worker-test');
  if (!started) return null;
  const samples = Array.from({ length: started.samplesExpected }, (_, i) => ({
    sampleIndex: i,
    seed: 1000 + i,
    recipe: 'rft',
    endReason: 'stop',
    error: null,
    trajectoryKey: `campaigns/${key.campaignId}/trajectories/${key.stage}/${String(started.ordinal).padStart(8, '0')}/attempt-${started.attempt}.jsonl.zst`,
    trajectoryLine: i,
    turns: 2,
    toolCalls: opts.toolCalls?.(i) ?? i % 3,
    hints: 0,
    promptTokens: 200,
    cachedTokens: 150,
    completionTokens: 300 + 40 * i,
    tokensSaved: 0,
    latencyMs: 1500 + 10 * i,
  }));
  const inserted = await insertSamples(db, key, started.attempt, samples);
  if (!(await finishGeneration(db, key, started.attempt))) throw new Error('finishGeneration refused: samples missing or attempt fenced');
  const stored = await db
    .selectFrom('samples')
    .select(['id', 'sample_index'])
    .where('campaign_id', '=', key.campaignId)
    .where('question_id', '=', key.questionId)
    .where('stage', '=', key.stage)
    .execute();
  await insertGrades(
    db,
    stored.map((s) => {
      const correct = opts.correct?.(s.sample_index) ?? s.sample_index % 2 === 0;
      return {
        sampleId: s.id,
        graderVersion: 'test-1',
        correct,
        eligible: correct,
        reasons: opts.reasons?.(s.sample_index) ?? (correct ? [] : ['wrong_answer']),
        metrics: {},
      };
    }),
  );
  await markGraded(db, key);
  return { attempt: started.attempt, inserted };
}

/** What a worker does after its last retry failed: claim, record the final failure with a reason. */
export async function failItemAsWorker(db: Db, key: WorkKey, reason: string): Promise<void> {
  const started = await startAttempt(db, key, 'worker-test');
  if (!started) throw new Error(`item ${key.questionId} is already settled; cannot fail it`);
  await recordFailure(db, key, started.attempt, reason, true);
}

export async function itemsOf(db: Db, campaignId: string): Promise<Array<WorkKey & { status: string; shardIndex: number }>> {
  const rows = await db
    .selectFrom('question_stages')
    .select(['campaign_id', 'question_id', 'stage', 'status', 'shard_index'])
    .where('campaign_id', '=', campaignId)
    .orderBy('ordinal')
    .execute();
  return rows.map((r) => ({
    campaignId: r.campaign_id,
    questionId: r.question_id,
    stage: r.stage,
    status: r.status,
    shardIndex: r.shard_index,
  }));
}
