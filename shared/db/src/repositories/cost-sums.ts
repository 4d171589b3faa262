import type { CampaignCost, CostLine } from '@rft/contracts';

export type { CampaignCost, CostLine } from '@rft/contracts';

/** A cost line before the per-accepted-sample division. */
export type CostSums = Omit<CostLine, 'perAccepted'>;

export const emptyCost = (): CostSums => ({
  samples: 0,
  accepted: 0,
  promptTokens: 0,
  cachedTokens: 0,
  completionTokens: 0,
  replicaSeconds: 0,
  sandboxCpuSeconds: null,
  graderCpuSeconds: null,
});

/** Null means "not measured": a sum stays null only while every part is. */
export const addNullable = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : a + b);

export function addCost(into: CostSums, line: CostSums): void {
  into.samples += line.samples;
  into.accepted += line.accepted;
  into.promptTokens += line.promptTokens;
  into.cachedTokens += line.cachedTokens;
  into.completionTokens += line.completionTokens;
  into.replicaSeconds += line.replicaSeconds;
  into.sandboxCpuSeconds = addNullable(into.sandboxCpuSeconds, line.sandboxCpuSeconds);
  into.graderCpuSeconds = addNullable(into.graderCpuSeconds, line.graderCpuSeconds);
}

export function finishCost(s: CostSums): CostLine {
  const per = (v: number | null) => (v === null ? null : v / s.accepted);
  return {
    ...s,
    perAccepted:
      s.accepted === 0
        ? null
        : {
            promptTokens: s.promptTokens / s.accepted,
            cachedTokens: s.cachedTokens / s.accepted,
            completionTokens: s.completionTokens / s.accepted,
            replicaSeconds: s.replicaSeconds / s.accepted,
            sandboxCpuSeconds: per(s.sandboxCpuSeconds),
            graderCpuSeconds: per(s.graderCpuSeconds),
          },
  };
}

/** Sums cost lines keyed by stage and by shard into a campaign's cost; keys without samples are left out. */
export function campaignCostOf(lines: Iterable<{ stage: string; shardIndex: number; sums: CostSums }>): CampaignCost {
  const total = emptyCost();
  const byStage = new Map<string, CostSums>();
  const byShard = new Map<number, CostSums>();
  const into = <K>(map: Map<K, CostSums>, key: K) => {
    const sums = map.get(key) ?? emptyCost();
    map.set(key, sums);
    return sums;
  };
  for (const { stage, shardIndex, sums } of lines) {
    addCost(total, sums);
    addCost(into(byStage, stage), sums);
    addCost(into(byShard, shardIndex), sums);
  }
  return {
    total: finishCost(total),
    byStage: [...byStage]
      .filter(([, s]) => s.samples > 0)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([stage, s]) => ({ stage, ...finishCost(s) })),
    byShard: [...byShard]
      .filter(([, s]) => s.samples > 0)
      .sort(([a], [b]) => a - b)
      .map(([shardIndex, s]) => ({ shardIndex, ...finishCost(s) })),
  };
}
