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
