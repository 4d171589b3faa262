import type { ObjectLocation } from '@rft/dataset';
import type { StageProgress } from '@rft/db';

const pct = (n: number, d: number) => (d === 0 ? '0%' : `${((100 * n) / d).toFixed(1)}%`);

/** One line of progress per poll: per stage, items done and samples generated, graded, accepted. */
export function progressLine(status: string, progress: readonly StageProgress[]): string {
  const stages = progress.map((p) => {
    const done = (p.byStatus['graded'] ?? 0) + (p.byStatus['failed'] ?? 0) + (p.byStatus['quarantined'] ?? 0);
    return `${p.stage}: questions ${done}/${p.items}, samples ${p.samples}, graded ${p.graded}, correct ${p.correct}, eligible ${p.eligible}`;
  });
  return `[${new Date().toISOString().slice(11, 19)}] ${status.padEnd(9)} ${stages.join(' | ')}`;
}

export interface SummaryInput {
  campaign: { id: string; name: string; status: string; question_count: number; error: string | null };
  progress: readonly StageProgress[];
  rejections: ReadonlyArray<{ stage: string; reason: string; count: number }>;
  dataset: { id: string; manifest_key: string; row_count: number; storage_prefix: string } | undefined;
  /** Where the dataset's manifest is: pasteable into `aws s3` and a browser. */
  manifestLocation?: ObjectLocation | undefined;
}

/** The end-of-campaign summary, every figure read from the ledger. */
export function printSummary({ campaign, progress, rejections, dataset, manifestLocation }: SummaryInput): void {
  const lines = [
    '',
    `campaign ${campaign.name} (${campaign.id}): ${campaign.status}${campaign.error ? ` (${campaign.error})` : ''}`,
    `  questions            ${campaign.question_count}`,
  ];
  for (const p of progress) {
    lines.push(
      `  stage ${p.stage}`,
      `    samples            ${p.samples} (${(p.samples / Math.max(1, p.items)).toFixed(1)} per question)`,
      `    graded             ${p.graded}`,
      `    correct            ${p.correct} (${pct(p.correct, p.graded)})`,
      `    eligible           ${p.eligible} (${pct(p.eligible, p.graded)})`,
      `    tool calls         ${p.toolCalls} (${(p.toolCalls / Math.max(1, p.samples)).toFixed(2)} per trajectory)`,
      `    hints inserted     ${p.hints} (${(p.hints / Math.max(1, p.samples)).toFixed(2)} per trajectory)`,
      `    generated tokens   ${p.completionTokens}`,
      `    failed questions   ${p.byStatus['failed'] ?? 0}`,
    );
    const reasons = rejections.filter((r) => r.stage === p.stage);
    lines.push(`    rejected by reason ${reasons.length ? '' : '(none)'}`);
    for (const r of reasons) lines.push(`      ${r.reason.padEnd(18)} ${r.count}`);
  }
  if (dataset) {
    lines.push(
      `  dataset              ${dataset.id}`,
      `    rows (accepted)    ${dataset.row_count}`,
      ...(manifestLocation
        ? [`    manifest           ${manifestLocation.s3Uri}`, `    manifest (HTTP)    ${manifestLocation.httpUrl}`]
        : [`    manifest key       ${dataset.manifest_key}`]),
    );
  } else {
    lines.push('  dataset              (none)');
  }
  console.log(lines.join('\n'));
}
