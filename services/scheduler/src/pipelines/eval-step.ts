import { type StageSpec, ToolPolicy } from '@rft/contracts';
import type { DbOrTx } from '@rft/db';
import { registerCampaign } from '@rft/intake';
import { type EvalStep, EvalStepOutput } from '@rft/pipeline';
import type { ObjectStore } from '@rft/storage';
import { reuseCampaign } from './campaign-end.ts';
import { loadBenchmark, stepCampaignSpec } from './campaign-step.ts';
import type { PipelineView } from './engine-deps.ts';
import { modelRecordName, resolveModel } from './resolve-model.ts';

/**
 * The stage an eval recipe samples with: the builtin greedy recipe, or k samples at the given
 * temperature and top-p. Tools are on (with the default call cap) unless the step turns them off
 * for the no-tools ablation; the greedy recipe alone would leave them off.
 */
export function evalStage(step: EvalStep): Omit<StageSpec, 'name'> {
  const tools = step.tools ? ToolPolicy.parse({ enabled: true }) : { enabled: false, maxCalls: 0 };
  if (step.recipe.mode === 'greedy') return { recipe: 'greedy', tools };
  return {
    recipe: 'rft',
    samples: step.recipe.samples,
    sampling: { temperature: step.recipe.temperature, topP: step.recipe.topP },
    tools,
  };
}

/**
 * One campaign per model and benchmark, registered in the caller's transaction. A retried step
 * keeps the campaigns of its previous start that completed or can redo their failed items, and
 * registers new ones only for the pairs whose campaign was cancelled.
 */
export async function startEvalStep(
  tx: DbOrTx,
  store: ObjectStore,
  view: PipelineView,
  name: string,
  step: EvalStep,
  actor: string,
): Promise<EvalStepOutput> {
  const previous = EvalStepOutput.safeParse(view.steps.get(name)?.output);
  const earlier = new Map((previous.success ? previous.data.campaigns : []).map((c) => [`${c.model}\u0000${c.benchmark}`, c.campaignId]));
  const campaigns: EvalStepOutput['campaigns'] = [];
  for (const benchmark of step.benchmarks) {
    let questions: Awaited<ReturnType<typeof loadBenchmark>> | undefined;
    for (const ref of step.models) {
      const model = modelRecordName(view, ref);
      const kept = earlier.get(`${model}\u0000${benchmark}`);
      if (kept !== undefined && (await reuseCampaign(tx, kept))) {
        campaigns.push({ model, benchmark, campaignId: kept });
        continue;
      }
      questions ??= await loadBenchmark(tx, store, benchmark);
      const spec = stepCampaignSpec(view, name, evalStage(step), await resolveModel(tx, view, ref), `${benchmark}/${ref}`);
      campaigns.push({ model, benchmark, campaignId: await registerCampaign(tx, spec, questions, actor) });
    }
  }
  return { campaigns };
}
