/**
 * The curator's domain metrics: rows selected and candidates rejected by reason per campaign, and
 * curations by outcome with their duration.
 */
import { Counter, Histogram, type Registry } from '@rft/telemetry';

export type CurationOutcome = 'dataset' | 'empty' | 'failed';

export interface CurationSummary {
  selected: number;
  /** Candidates the selection policy left out, by reason. */
  dropped: Record<string, number>;
}

export interface CuratorMetrics {
  curation(campaignId: string, outcome: CurationOutcome, seconds: number, summary?: CurationSummary): void;
}

export function registerCuratorMetrics(registry: Registry): CuratorMetrics {
  const selected = new Counter({
    name: 'rft_curator_rows_selected_total',
    help: 'Samples selected into a dataset version',
    labelNames: ['campaign_id'] as const,
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'rft_curator_rows_rejected_total',
    help: 'Graded samples the selection policy left out, by reason',
    labelNames: ['campaign_id', 'reason'] as const,
    registers: [registry],
  });
  const curations = new Counter({
    name: 'rft_curator_curations_total',
    help: 'Curations by outcome (dataset built, nothing selected, failed)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'rft_curator_curation_duration_seconds',
    help: 'Time to select, build and register a dataset version',
    labelNames: ['outcome'] as const,
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800],
    registers: [registry],
  });
  return {
    curation(campaignId, outcome, seconds, summary) {
      curations.inc({ outcome });
      duration.observe({ outcome }, seconds);
      if (!summary) return;
      selected.inc({ campaign_id: campaignId }, summary.selected);
      for (const [reason, n] of Object.entries(summary.dropped)) rejected.inc({ campaign_id: campaignId, reason }, n);
    },
  };
}
