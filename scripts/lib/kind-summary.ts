import type { Db } from '@rft/db';

interface KindStage {
  kind: string;
  stage: string;
  samples: number;
  accepted: number;
  inDataset: number;
  reasons: Record<string, number>;
}

/**
 * Per question kind (math / code) and stage: samples, accepted (graded correct and eligible), rows in
 * the dataset and rejections by reason, read from the ledger, so a wave of one reason on one kind
 * (tool_error on code, say) shows at a glance.
 */
export async function kindSummary(db: Db, campaignId: string, datasetId: string | null): Promise<KindStage[]> {
  const rows = await db
    .selectFrom('samples as s')
    .innerJoin('questions as q', (j) => j.onRef('q.campaign_id', '=', 's.campaign_id').onRef('q.question_id', '=', 's.question_id'))
    .leftJoin('grades as g', 'g.sample_id', 's.id')
    .select(['s.id', 's.stage', 'q.kind', 'g.eligible', 'g.correct', 'g.reasons', 'g.created_at'])
    .where('s.campaign_id', '=', campaignId)
    .execute();
  const inDataset = new Set<string>();
  if (datasetId) {
    const items = await db.selectFrom('dataset_items').select('sample_id').where('dataset_id', '=', datasetId).execute();
    for (const i of items) inDataset.add(String(i.sample_id));
  }
  // The newest grade of each sample (a regrade adds a row).
  const latest = new Map<string, (typeof rows)[number]>();
  for (const r of rows) {
    const seen = latest.get(String(r.id));
    if (!seen || (r.created_at && seen.created_at && r.created_at > seen.created_at)) latest.set(String(r.id), r);
  }
  const groups = new Map<string, KindStage>();
  for (const r of latest.values()) {
    const key = `${r.kind}\u0000${r.stage}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { kind: r.kind, stage: r.stage, samples: 0, accepted: 0, inDataset: 0, reasons: {} }));
    g.samples++;
    if (r.eligible && r.correct) g.accepted++;
    if (inDataset.has(String(r.id))) g.inDataset++;
    for (const reason of r.reasons ?? (r.eligible === null ? ['ungraded'] : [])) g.reasons[reason] = (g.reasons[reason] ?? 0) + 1;
  }
  return [...groups.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.stage.localeCompare(b.stage));
}

export function formatKindSummary(groups: readonly KindStage[]): string {
  const lines = ['', 'by question kind:', '  kind  stage     samples  accepted  in dataset  rejected by reason'];
  for (const g of groups) {
    const reasons = Object.entries(g.reasons)
      .sort((a, b) => b[1] - a[1])
      .map(([r, n]) => `${r} ${n}`)
      .join(', ');
    lines.push(
      `  ${g.kind.padEnd(5)} ${g.stage.padEnd(8)} ${String(g.samples).padStart(8)} ${String(g.accepted).padStart(9)} ${String(g.inDataset).padStart(11)}  ${reasons || '(none)'}`,
    );
  }
  return lines.join('\n');
}
