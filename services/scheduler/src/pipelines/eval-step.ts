import type { StageSpec } from '@rft/contracts';
import type { DbOrTx } from '@rft/db';
import { registerCampaign } from '@rft/intake';
import type { EvalStepOutput, EvalStep } from '@rft/pipeline';
import type { ObjectStore } from '@rft/storage';
import { loadBenchmark, stepCampaignSpec } from './campaign-step.ts';
import type { PipelineView } from './engine-deps.ts';
import { modelRecordName, resolveModel } from './resolve-model.ts';

/** The stage an eval recipe samples with: greedy, or k samples at a temperature; tools off for the no-tools ablation. */
export function evalStage(step: EvalStep): Omit<StageSpec, 'name'> {
  const tools = step.tools ? { enabled: true } : { enabled: false, maxCalls: 0 };
  if (step.recipe.mode === 'greedy') return { recipe: 'greedy', tools };
  return {
    recipe: 'rft',
    samples: step.recipe.samples,
    sampling: { temperature: step.recipe.temperature, topP: step.recipe.topP },
    tools,
  };
}

/** One campaign per model and benchmark, registered in the caller's transaction. */
export async function startEvalStep(
  tx: DbOrTx,
  store: ObjectStore,
  view: PipelineView,
  name: string,
  step: EvalStep,
  actor: string,
): Promise<EvalStepOutput> {
  const campaigns: EvalStepOutput['campaigns'] = [];
  for (const benchmark of step.benchmarks) {
    const questions = await loadBenchmark(tx, store, benchmark);
    for (const ref of step.models) {
      const model = await resolveModel(tx, view, ref);
      const spec = stepCampaignSpec(view, name, evalStage(step), model, `${benchmark}/${ref}`);
      const campaignId = await registerCampaign(tx, spec, questions, actor);
      campaigns.push({ model: modelRecordName(view, ref), benchmark, campaignId });
    }
  }
  return { campaigns };
}
