import type { Got } from './api-client.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';
import { bar, duration, num, pct, table } from './render.ts';

/** GET /v1/campaigns/:id, as the API documents it. */
export type CampaignDetail = Got<'/v1/campaigns/{id}'>;

/**
 * How `status --watch` ends for each terminal campaign status (the contracts' TERMINAL_CAMPAIGN_STATUSES);
 * undefined while the campaign still runs. A test keeps this switch and that list in step.
 */
export function watchExitCode(status: string): ExitCode | undefined {
  switch (status) {
    case 'completed':
      return EXIT.ok;
    case 'completed_with_failures':
      return EXIT.campaignCompletedWithFailures;
    case 'failed':
      return EXIT.campaignFailed;
    case 'cancelled':
      return EXIT.campaignCancelled;
    default:
      return undefined;
  }
}

/** The text `rft status` prints: header, a progress bar per stage, throughput and ETA, cost, top rejection reasons. */
export function renderCampaignStatus(d: CampaignDetail): string {
  const c = d.campaign;
  const out: string[] = [];
  out.push(`${c.name}  (${c.id})  team ${c.team}`);
  out.push(`status: ${c.status}${c.statusReason ? ` - ${c.statusReason}` : ''}   questions: ${c.questionCount}`);
  out.push('');
  for (const s of d.stages) {
    const failed = s.byStatus.failed ?? 0;
    const quarantined = s.byStatus.quarantined ?? 0;
    out.push(`stage ${s.stage}`);
    out.push(
      `  sampled   ${bar(s.expectedSamples ? s.samples / s.expectedSamples : 1)}  ${num(s.samples)}/${num(s.expectedSamples)} samples`,
    );
    // Both bars are over the planned samples, so graded trails sampled instead of sitting near 100%.
    out.push(`  graded    ${bar(s.expectedSamples ? s.graded / s.expectedSamples : 1)}  ${num(s.graded)}/${num(s.expectedSamples)} graded`);
    out.push(`  accepted  ${num(s.accepted)} (${pct(s.acceptRate)} of graded)   items failed ${failed}, quarantined ${quarantined}`);
  }
  const t = d.throughput;
  out.push('');
  out.push(
    `throughput: ${num(t.samplesPerSecond, 2)} samples/s, ${num(t.tokensPerSecond, 0)} tokens/s (over the last ${duration(t.windowSeconds)})   remaining ${num(t.remainingSamples)} samples   ETA ${duration(t.etaSeconds)}`,
  );
  const k = d.cost.total;
  out.push(
    `cost: ${num(k.promptTokens)} prompt (${num(k.cachedTokens)} cached), ${num(k.completionTokens)} generated tokens, ${num(k.replicaSeconds, 1)} replica-s, ` +
      `sandbox ${k.sandboxCpuSeconds === null ? 'n/a' : `${num(k.sandboxCpuSeconds, 1)} CPU-s`}, grader ${k.graderCpuSeconds === null ? 'n/a' : `${num(k.graderCpuSeconds, 1)} CPU-s`}`,
  );
  if (k.perAccepted)
    out.push(
      `per accepted sample: ${num(k.perAccepted.completionTokens, 0)} generated tokens, ${num(k.perAccepted.replicaSeconds, 2)} replica-s`,
    );
  const b = d.budgetUsage;
  if (b && (b.budgetTokens !== null || b.budgetGpuHours !== null)) {
    const parts = [];
    if (b.budgetTokens !== null) parts.push(`${num(b.tokens)}/${num(b.budgetTokens)} tokens`);
    if (b.budgetGpuHours !== null) parts.push(`${b.gpuHours.toFixed(2)}/${b.budgetGpuHours} GPU-hours`);
    out.push(`budget: ${parts.join(', ')}`);
  }
  if (d.rejections.length) {
    out.push('');
    out.push(
      table(
        ['stage', 'rejection reason', 'samples'],
        d.rejections.slice(0, 10).map((r) => [r.stage, r.reason, r.count]),
      ),
    );
  }
  return out.join('\n');
}
