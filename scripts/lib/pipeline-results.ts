// The end of the pipeline demo, read from the ledger: what decontamination excluded, and where each
// model and dataset came from (the results table is `rft pipelines report`'s).
import { getDataset, modelAncestry, type Db, type PipelineStepRow } from '@rft/db';
import { readManifest } from '@rft/dataset';
import { CampaignStepOutput, SelectStepOutput, TrainStepOutput } from '@rft/pipeline';
import type { ObjectStore } from '@rft/storage';

const stepOutput = <T>(steps: readonly PipelineStepRow[], name: string, shape: { parse(v: unknown): T }): T | null => {
  const row = steps.find((s) => s.name === name);
  return row?.output ? shape.parse(row.output) : null;
};

/** Printed above the results table: these are a test double's numbers. */
export const SIMULATED_LABEL = [
  '',
  'RESULTS (SIMULATED: model-sim is a test double, not a model; these numbers show the pipeline works,',
  'not how START performs).',
].join('\n');

/** Per campaign step: questions in the file, excluded as benchmark overlaps (with the span), admitted. */
export function formatDecontamination(steps: readonly PipelineStepRow[], campaignSteps: readonly string[]): string {
  const lines = ['', 'decontamination and admission (per campaign step)'];
  for (const name of campaignSteps) {
    const out = stepOutput(steps, name, CampaignStepOutput);
    if (!out) {
      lines.push(`  ${name.padEnd(10)} (not started)`);
      continue;
    }
    const excluded = Object.values(out.excludedByBenchmark).reduce((a, b) => a + b, 0);
    const perBenchmark = Object.entries(out.excludedByBenchmark)
      .map(([b, n]) => `${b} ${n}`)
      .join(', ');
    lines.push(
      `  ${name.padEnd(10)} questions ${out.questions}, excluded ${excluded}${perBenchmark ? ` (${perBenchmark})` : ''}, refused by admission ${out.refusedByRule}, admitted ${out.admitted}`,
    );
    for (const e of out.exclusions.slice(0, 3))
      lines.push(`             excluded ${e.questionId}: ${e.match} match with ${e.benchmark}/${e.problemId} on "${e.span}"`);
  }
  return lines.join('\n');
}

/** Lineage: each trained model back to its base, with the run and the dataset, and what each dataset's manifest says it came from. */
export async function formatLineage(
  db: Db,
  store: ObjectStore,
  steps: readonly PipelineStepRow[],
  selectSteps: readonly string[],
  trainSteps: readonly string[],
): Promise<string> {
  const lines = ['', 'lineage'];
  for (const name of selectSteps) {
    const out = stepOutput(steps, name, SelectStepOutput);
    if (!out) continue;
    const dataset = await getDataset(db, out.datasetId);
    lines.push(`  dataset ${out.datasetId} (step ${name}): ${out.rows} rows${dataset ? `, ${dataset.name}` : ''}`);
    const manifest = (await readManifest(store, out.datasetId).catch(() => null)) as Record<string, unknown> | null;
    const lineage = manifest?.['lineage'];
    if (lineage && typeof lineage === 'object') {
      for (const [key, value] of Object.entries(lineage as Record<string, unknown>))
        lines.push(`    manifest lineage.${key.padEnd(16)} ${typeof value === 'string' ? value : JSON.stringify(value)}`);
    }
  }
  for (const name of trainSteps) {
    const out = stepOutput(steps, name, TrainStepOutput);
    if (!out) continue;
    const chain = await modelAncestry(db, out.model);
    const text = chain
      .map((m) =>
        m.lineage.kind === 'trained'
          ? `${m.name} = train(${m.lineage.baseModel}, dataset ${m.lineage.datasetId}, run ${m.lineage.trainingRunId})`
          : `${m.name} (base)`,
      )
      .join(' <- ');
    lines.push(`  model ${text}`);
    const served = chain[0]?.endpoints ?? [];
    if (served.length) lines.push(`    served at ${served.join(', ')}`);
  }
  return lines.join('\n');
}
