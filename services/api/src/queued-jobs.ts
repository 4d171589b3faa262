import type { WorkKey } from '@rft/db';
import { jobIdFor, type JobQueues } from '@rft/queue';
import type { FastifyBaseLogger } from 'fastify';

const REMOVABLE = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children']);

/**
 * Removes the not-yet-started rollout jobs of items taken out of the flow (cancelled, quarantined).
 * Best effort: a job already picked up finds its item settled and does nothing (the ledger guards).
 */
export async function dropWaitingRolloutJobs(queues: JobQueues, items: readonly WorkKey[], log: FastifyBaseLogger): Promise<number> {
  const queue = queues.queue('rollout');
  let removed = 0;
  for (const item of items) {
    const payload = { campaignId: item.campaignId, questionId: item.questionId, stage: item.stage };
    try {
      const job = await queue.getJob(jobIdFor('rollout', payload));
      if (job && REMOVABLE.has(await job.getState())) {
        await job.remove();
        removed += 1;
      }
    } catch (error) {
      log.debug({ ...payload, err: error }, 'waiting rollout job not removed; the ledger will make it a no-op');
    }
  }
  return removed;
}

/**
 * Removes the finished (failed, kept for inspection) rollout and grade jobs of items being retried.
 * Job ids are deterministic, and BullMQ ignores an add whose id still exists: without this, the
 * scheduler's re-admission of a retried item would be a silent no-op. Call before the items become
 * pending (inside the retry's transaction), so the scheduler cannot race the removal. One range read
 * per queue (failed jobs are retained up to a bounded count), then one removal per match.
 */
export async function clearFinishedJobs(queues: JobQueues, items: readonly WorkKey[]): Promise<number> {
  let removed = 0;
  for (const name of ['rollout', 'grade'] as const) {
    const queue = queues.queue(name);
    const finished = new Set(await queue.getRanges(['failed', 'completed'], 0, -1));
    if (finished.size === 0) continue;
    for (const item of items) {
      const id = jobIdFor(name, { campaignId: item.campaignId, questionId: item.questionId, stage: item.stage });
      if (finished.has(id)) removed += await queue.remove(id);
    }
  }
  return removed;
}
