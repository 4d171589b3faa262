import { campaignStates, type DbOrTx } from '@rft/db';
import type { StepEnd } from './train-step.ts';

/**
 * How a step that ran campaigns ends: succeeded when every one completed, partial when one ended
 * with failed items (retrying the step redoes only those), failed when one failed or was
 * cancelled. Null while any is still running.
 */
export async function campaignsEnd(db: DbOrTx, campaignIds: readonly string[]): Promise<StepEnd> {
  const states = await campaignStates(db, campaignIds);
  const problems: Array<{ to: 'failed' | 'partial'; reason: string }> = [];
  for (const id of campaignIds) {
    const state = states.get(id);
    if (!state) return { to: 'failed', reason: `campaign ${id} is not in the ledger` };
    if (state.status === 'completed') continue;
    if (state.status === 'completed_with_failures')
      problems.push({ to: 'partial', reason: `campaign ${id}: ${state.reason ?? 'items failed'}` });
    else if (state.status === 'failed' || state.status === 'cancelled')
      problems.push({ to: 'failed', reason: `campaign ${id} ${state.status}${state.reason ? `: ${state.reason}` : ''}` });
    else return null;
  }
  if (problems.length === 0) return { to: 'succeeded', reason: null };
  const to = problems.some((p) => p.to === 'failed') ? 'failed' : 'partial';
  return {
    to,
    reason: problems
      .map((p) => p.reason)
      .join('; ')
      .slice(0, 4000),
  };
}
