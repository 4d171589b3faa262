import { randomUUID } from 'node:crypto';
import { createTestEnv, seedLedgerCampaign, type TestEnv } from '@rft/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  getTrainingRun,
  insertTrainingRun,
  listActiveTrainingRuns,
  listSubmittingTrainingRuns,
  trainingRunEvents,
  transitionTrainingRun,
} from './repositories/training-runs.ts';
import {
  canTransitionTrainingRun,
  FINISHED_TRAINING_RUN_STATUSES,
  TRAINING_RUN_STATUSES,
  trainingRunPredecessors,
} from './training-run-lifecycle.ts';

let env: TestEnv;
const datasetId = 'ds-0123456789abcdef01234567';
beforeAll(async () => {
  env = await createTestEnv();
  const campaignId = await seedLedgerCampaign(env.db, { name: 'runs', questions: 1 });
  // The smallest registered version a run can reference (datasets.row_count must be positive).
  await env.db
    .insertInto('datasets')
    .values({
      id: datasetId,
      campaign_id: campaignId,
      name: 'runs-v1',
      selection: '{}',
      storage_prefix: `datasets/${datasetId}`,
      manifest_key: `datasets/${datasetId}/manifest.json`,
      manifest_sha256: 'a'.repeat(64),
      row_count: 1,
    })
    .execute();
});
afterAll(() => env.cleanup());

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
async function newRun(): Promise<string> {
  const id = randomUUID();
  await insertTrainingRun(env.db, { id, datasetId, backend: 'slurm', profile: {}, config: {}, createdBy: 'test', at: t(0) });
  return id;
}

describe('the training-run state machine', () => {
  test('finished states are never left; nothing moves back to submitting; a status never moves to itself', () => {
    for (const from of FINISHED_TRAINING_RUN_STATUSES)
      for (const to of TRAINING_RUN_STATUSES) expect(canTransitionTrainingRun(from, to), `${from} -> ${to}`).toBe(false);
    for (const from of TRAINING_RUN_STATUSES) {
      expect(canTransitionTrainingRun(from, 'submitting')).toBe(false);
      expect(canTransitionTrainingRun(from, from)).toBe(false);
    }
    expect(trainingRunPredecessors('rejected')).toEqual(['submitting']);
    expect(trainingRunPredecessors('running')).toEqual(['submitting', 'pending', 'unknown']);
  });
});

describe('transitionTrainingRun against Postgres', () => {
  test('records each applied change as an event; a finished run never moves; a refused move changes nothing', async () => {
    const id = await newRun();
    const submitted = await transitionTrainingRun(env.db, {
      id,
      to: 'pending',
      from: ['submitting'],
      externalId: '42',
      config: { plan: true },
      at: t(1),
    });
    expect(submitted).toMatchObject({ applied: true, run: { status: 'pending', externalId: '42', config: { plan: true } } });
    // A second submission outcome for the same run is refused (only `submitting` may take one).
    expect(await transitionTrainingRun(env.db, { id, to: 'running', from: ['submitting'], at: t(2) })).toMatchObject({
      applied: false,
      run: { status: 'pending' },
    });
    await transitionTrainingRun(env.db, { id, to: 'running', detail: { backend: 'squeue: RUNNING' }, at: t(3) });
    const done = await transitionTrainingRun(env.db, { id, to: 'succeeded', error: null, at: t(4) });
    expect(done).toMatchObject({ applied: true, run: { status: 'succeeded', finishedAt: t(4) } });
    for (const late of ['failed', 'running', 'cancelled'] as const) {
      expect(await transitionTrainingRun(env.db, { id, to: late, error: 'late report', at: t(5) })).toMatchObject({
        applied: false,
        run: { status: 'succeeded', error: null },
      });
    }
    expect((await trainingRunEvents(env.db, id)).map((e) => [e.status, e.detail])).toEqual([
      ['submitting', null],
      ['pending', null],
      ['running', { backend: 'squeue: RUNNING' }],
      ['succeeded', null],
    ]);
    expect(await transitionTrainingRun(env.db, { id: randomUUID(), to: 'running', at: t(1) })).toEqual({ applied: false, run: null });
  });

  test('of two concurrent final reports exactly one wins', async () => {
    const id = await newRun();
    await transitionTrainingRun(env.db, { id, to: 'running', externalId: '7', at: t(1) });
    const outcomes = await Promise.all([
      transitionTrainingRun(env.db, { id, to: 'succeeded', at: t(2) }),
      transitionTrainingRun(env.db, { id, to: 'failed', error: 'node lost', at: t(2) }),
      transitionTrainingRun(env.db, { id, to: 'cancelled', at: t(2) }),
    ]);
    expect(outcomes.filter((o) => o.applied)).toHaveLength(1);
    const final = await getTrainingRun(env.db, id);
    expect((await trainingRunEvents(env.db, id)).map((e) => e.status)).toEqual(['submitting', 'running', final!.status]);
  });

  test('the poller sees submitted unfinished runs; the reconciler sees runs stuck in submitting', async () => {
    const stuck = await newRun();
    const live = await newRun();
    await transitionTrainingRun(env.db, { id: live, to: 'unknown', externalId: 'training-bundles/x', at: t(1) });
    const rejected = await newRun();
    await transitionTrainingRun(env.db, { id: rejected, to: 'rejected', error: 'no quota', at: t(1) });
    expect((await listActiveTrainingRuns(env.db)).map((r) => r.id)).toContain(live);
    expect((await listActiveTrainingRuns(env.db)).map((r) => r.id)).not.toContain(stuck);
    const submitting = (await listSubmittingTrainingRuns(env.db, { olderThan: new Date() })).map((r) => r.id);
    expect(submitting).toContain(stuck);
    expect(submitting).not.toContain(live);
    expect(await listSubmittingTrainingRuns(env.db, { olderThan: t(0) })).toEqual([]);
  });
});
