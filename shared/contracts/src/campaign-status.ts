/**
 * A campaign's lifecycle. It ends in one of the terminal states; which one says how it went:
 * - `completed`: every work item succeeded;
 * - `completed_with_failures`: some items failed (their reasons are on the failed shards); the
 *   dataset was built from the rest and its manifest says `partial: true`; `rft retry` redoes them;
 * - `failed`: nothing succeeded (or curation itself failed);
 * - `cancelled`: stopped by a user.
 */
export const CAMPAIGN_STATUSES = ['running', 'paused', 'curating', 'completed', 'completed_with_failures', 'failed', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const TERMINAL_CAMPAIGN_STATUSES: readonly CampaignStatus[] = ['completed', 'completed_with_failures', 'failed', 'cancelled'];

/** Campaigns that ended with failed items: they can be retried (back to running) or cancelled. */
export const RETRYABLE_CAMPAIGN_STATUSES: readonly CampaignStatus[] = ['completed_with_failures', 'failed'];

/** How a campaign whose items are all settled ended, from how many items succeeded and failed. */
export function campaignEndState(items: { succeeded: number; failed: number }): 'completed' | 'completed_with_failures' | 'failed' {
  if (items.failed === 0) return 'completed';
  return items.succeeded > 0 ? 'completed_with_failures' : 'failed';
}
