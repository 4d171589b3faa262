import type { DatasetLineage, LineageModel } from '@rft/dataset';
import { modelAncestry, type Db, type ModelRow } from '@rft/db';
import type { SelectStep } from '@rft/pipeline';
import type { StepSelection } from './step-selection.ts';
import type { StepSource } from './step-sources.ts';

function lineageModel(m: ModelRow): LineageModel {
  return m.lineage.kind === 'trained'
    ? {
        name: m.name,
        profile: m.profile,
        kind: 'trained',
        baseModel: m.lineage.baseModel,
        trainingRunId: m.lineage.trainingRunId,
        datasetId: m.lineage.datasetId,
      }
    : { name: m.name, profile: m.profile, kind: 'base' };
}

/** The model a source sampled and its ancestors (for START-0: its training run, D_seed, then QwQ). */
async function sourceModels(db: Db, source: StepSource): Promise<LineageModel[]> {
  const chain = await modelAncestry(db, source.modelName);
  if (chain.length > 0) return chain.map(lineageModel);
  return [{ name: source.modelName, profile: source.campaign.model.profile ?? null, kind: 'unregistered' }];
}

/** Everything the manifest's `lineage` records for a select step's dataset version. */
export async function stepLineage(
  db: Db,
  pipeline: { id: string; name: string },
  stepName: string,
  select: SelectStep,
  sources: readonly StepSource[],
  selection: StepSelection,
  provenance: { hintLibraryVersion: string | null; chatTemplateSha256: string | null; profile: string },
): Promise<DatasetLineage> {
  const lineageSources = [];
  for (const s of sources) lineageSources.push({ step: s.step, role: s.role, campaignId: s.campaignId, models: await sourceModels(db, s) });
  const sampled = lineageSources.find((s) => s.campaignId === selection.sampled.campaignId)!;
  return {
    pipeline: { id: pipeline.id, name: pipeline.name, step: stepName },
    sources: lineageSources,
    baseModel: sampled.models.at(-1)!.name,
    hintLibraryVersion: provenance.hintLibraryVersion,
    chatTemplate: { profile: provenance.profile, sha256: provenance.chatTemplateSha256 },
    selection: {
      policy: select.policy,
      quotas: Object.fromEntries(Object.entries(select.quotas ?? {}).filter(([, v]) => v !== undefined)) as Record<string, number>,
      droppedByQuota: selection.droppedByQuota,
      seed: pipeline.id,
    },
  };
}
