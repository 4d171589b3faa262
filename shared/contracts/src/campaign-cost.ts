// What the API reports as a campaign's cost (`GET /v1/campaigns/:id/cost`); the CLI and dashboard read it.

/** Resources spent by a set of samples, and what each accepted sample cost. */
export interface CostLine {
  samples: number;
  /** Samples whose newest grade is correct and eligible. */
  accepted: number;
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  /** Sum of per-turn request latency: seconds a replica was busy with these samples (batched, so an upper bound). */
  replicaSeconds: number;
  /** Null until the sandbox reports CPU time for at least one of the samples. */
  sandboxCpuSeconds: number | null;
  graderCpuSeconds: number | null;
  perAccepted: {
    promptTokens: number;
    cachedTokens: number;
    completionTokens: number;
    replicaSeconds: number;
    sandboxCpuSeconds: number | null;
    graderCpuSeconds: number | null;
  } | null;
}

export interface CampaignCost {
  total: CostLine;
  byStage: Array<CostLine & { stage: string }>;
  byShard: Array<CostLine & { shardIndex: number }>;
}
