import {
  campaignIdsWithStatus,
  curatingIdleFor,
  touchCampaign,
  campaignsReadyToCurate,
  claimPending,
  countInFlight,
  pauseCampaignsOverBudget,
  refreshShards,
  setCampaignStatus,
  staleInFlight,
  touch,
  tryTransactionLock,
  type Db,
} from '@rft/db';
import type { JobQueues } from '@rft/queue';
import type { Logger } from '@rft/telemetry';

export interface SchedulerSettings {
  /** Work items admitted and not yet graded (rollout jobs plus grade jobs waiting), at most. */
  rolloutWindow: number;
  /** Work items untouched this long are checked against Redis for a vanished job. */
  lostJobGraceMs: number;
}

export interface TickReport {
  leader: boolean;
  enqueued: number;
  /** Shared resources whose breaker is open: nothing was admitted this tick. */
  waitingFor: string[];
  recovered: number;
  curating: string[];
  /** What this tick admitted, per campaign and stage (leader ticks only). */
  admitted?: Array<{ campaignId: string; stage: string; count: number }>;
}

// One scheduler leads at a time; others skip their tick. Any 64-bit constant unique to this role.
const LEADER_LOCK = 7_214_880_113n;
const SWEEP_BATCH = 500;

/**
 * One pass of the scheduler: top up the rollout window from Postgres, re-enqueue work whose job
 * vanished from Redis, roll up shard states, and hand finished campaigns to the curator.
 * Postgres is the truth; Redis only ever holds a window of job ids.
 */
export async function schedulerTick(db: Db, queues: JobQueues, settings: SchedulerSettings, log: Logger): Promise<TickReport> {
  // A campaign that reached its token or GPU-hour budget stops being admitted (its status reason
  // says which). Checked outside the leader transaction: a failure here never stops admission.
  try {
    for (const paused of await pauseCampaignsOverBudget(db)) log.warn(paused, 'campaign reached its budget; paused');
  } catch (error) {
    log.error({ err: error }, 'budget check failed; admitting without it this tick');
  }
  // Curate jobs go out after the commit: a curator taking one before the campaign's move to
  // `curating` is visible would find it still running, drop the job, and the campaign would wait
  // for the lost-job sweep.
  const curateAfterCommit: string[] = [];
  const report = await db.transaction().execute(async (tx): Promise<TickReport> => {
    if (!(await tryTransactionLock(tx, LEADER_LOCK))) return { leader: false, enqueued: 0, waitingFor: [], recovered: 0, curating: [] };

    // While replicas, sandbox or store are down, new work would only join the jobs already waiting
    // for them: admission pauses and resumes by itself when the workers close the breaker.
    const open = await queues.breakers.open();
    if (open.length > 0)
      log.warn(
        { breakers: open.map((b) => ({ resource: b.resource, until: new Date(b.openUntil).toISOString(), reason: b.reason })) },
        'infrastructure down; admitting nothing',
      );
    // Enqueued inside the transaction: if the commit fails the rows stay pending and the jobs,
    // already in Redis, find their items claimable anyway (startAttempt accepts pending).
    const room = open.length > 0 ? 0 : settings.rolloutWindow - (await countInFlight(tx));
    const claimed = await claimPending(tx, room);
    await queues.addBulk('rollout', claimed);

    let recovered = 0;
    for (const item of await staleInFlight(tx, settings.lostJobGraceMs, SWEEP_BATCH)) {
      const job = item.status === 'generated' ? ('grade' as const) : ('rollout' as const);
      const payload = { campaignId: item.campaignId, questionId: item.questionId, stage: item.stage };
      if (!(await queues.exists(job, payload))) {
        await queues.add(job, payload);
        recovered += 1;
        log.warn({ ...payload, job, status: item.status }, 'job vanished from the queue; re-enqueued');
      }
      await touch(tx, payload);
    }

    for (const id of await campaignIdsWithStatus(tx, ['running', 'curating'])) await refreshShards(tx, id);

    const ready = await campaignsReadyToCurate(tx);
    for (const campaignId of ready) {
      if (await setCampaignStatus(tx, campaignId, 'curating', { from: ['running'] })) {
        curateAfterCommit.push(campaignId);
        log.info({ campaignId }, 'campaign generated and graded; curating');
      }
    }
    // A curate job lost with Redis is re-enqueued; the curator is idempotent per campaign.
    for (const id of await curatingIdleFor(tx, settings.lostJobGraceMs)) {
      if (!(await queues.exists('curate', { campaignId: id }))) {
        await queues.add('curate', { campaignId: id });
        await touchCampaign(tx, id);
        recovered += 1;
      }
    }
    if (claimed.length || recovered) log.debug({ enqueued: claimed.length, recovered }, 'scheduler tick');
    return {
      leader: true,
      enqueued: claimed.length,
      waitingFor: open.map((b) => b.resource),
      recovered,
      curating: ready,
      admitted: countByStage(claimed),
    };
  });
  // A crash before these are added leaves the campaigns curating with no job: the idle-curating
  // sweep above enqueues them after the grace, as it does for jobs lost with Redis.
  for (const campaignId of curateAfterCommit) await queues.add('curate', { campaignId });
  return report;
}

function countByStage(keys: ReadonlyArray<{ campaignId: string; stage: string }>): NonNullable<TickReport['admitted']> {
  const counts = new Map<string, { campaignId: string; stage: string; count: number }>();
  for (const k of keys) {
    const id = `${k.campaignId}\u0000${k.stage}`;
    const entry = counts.get(id) ?? { campaignId: k.campaignId, stage: k.stage, count: 0 };
    entry.count += 1;
    counts.set(id, entry);
  }
  return [...counts.values()];
}
