import { CampaignSpec, type Question } from '@rft/contracts';
import { getBenchmark, gradedQuestions, type DbOrTx } from '@rft/db';
import { parseQuestionFile, registerCampaign } from '@rft/intake';
import {
  admitQuestions,
  BenchmarkIndex,
  type CampaignStep,
  CampaignStepOutput,
  decontaminate,
  type Exclusion,
  parseBenchmarkFile,
} from '@rft/pipeline';
import type { ObjectStore } from '@rft/storage';
import type { z } from 'zod';
import { reuseCampaign } from './campaign-end.ts';
import { outputOf, pipelineFile, type PipelineView, StepInputError } from './engine-deps.ts';
import { resolveModel } from './resolve-model.ts';

/** Exclusions kept with the step (every one is counted; the list is for reading, not for replay). */
const MAX_LISTED_EXCLUSIONS = 200;

/** A campaign stage name from a step name: stage names are shorter (32) than step names (48). */
export function stageNameOf(step: string): string {
  return step.slice(0, 32).replace(/-+$/, '') || 'stage';
}

/** The campaign a pipeline step registers: one stage (named after the step), on the step's model. */
export function stepCampaignSpec(
  view: PipelineView,
  step: string,
  stage: Omit<CampaignStep, 'kind' | 'model' | 'questions' | 'admit'>,
  model: z.input<typeof CampaignSpec>['model'],
  part?: string,
): CampaignSpec {
  return CampaignSpec.parse({
    name: `${view.spec.name}/${step}${part ? `/${part}` : ''}`,
    team: view.pipeline.team,
    description: `pipeline ${view.pipeline.id}, step ${step}${part ? ` (${part})` : ''}`,
    model,
    stages: [{ ...stage, name: stageNameOf(step) }],
  });
}

/** Loads the registered benchmark problems, each named; a benchmark missing from the ledger is an input error. */
export async function loadBenchmark(db: DbOrTx, store: ObjectStore, name: string): Promise<Question[]> {
  const benchmark = await getBenchmark(db, name);
  if (!benchmark) throw new StepInputError(`benchmark ${name} is not registered (rft benchmarks add ${name} FILE)`);
  const bytes = await store.get(benchmark.objectKey);
  if (!bytes) throw new StepInputError(`benchmark ${name}'s problems are gone from the object store (${benchmark.objectKey})`);
  return parseBenchmarkFile(new TextDecoder().decode(bytes), `benchmark ${name}`);
}

/** The questions a campaign step samples: its file, minus benchmark overlaps, minus what its admission rule turns away. */
async function admittedQuestions(db: DbOrTx, store: ObjectStore, view: PipelineView, name: string, step: CampaignStep) {
  const all = parseQuestionFile(await pipelineFile(store, view, step.questions), step.questions);
  let questions = all;
  const output: Omit<CampaignStepOutput, 'campaignId'> = {
    questions: all.length,
    admitted: 0,
    refusedByRule: 0,
    ungraded: 0,
    excludedByBenchmark: {},
    exclusions: [],
    exclusionsTruncated: false,
  };
  const decontamination = view.spec.decontamination;
  if (decontamination) {
    const index = new BenchmarkIndex(decontamination.ngram);
    for (const benchmark of decontamination.benchmarks) index.add(benchmark, await loadBenchmark(db, store, benchmark));
    const result = decontaminate(questions, index);
    questions = result.kept;
    output.excludedByBenchmark = result.excludedPerBenchmark;
    output.exclusions = result.excluded
      .slice(0, MAX_LISTED_EXCLUSIONS)
      .map((e): Exclusion => ({ questionId: e.questionId, benchmark: e.benchmark, problemId: e.problemId, match: e.match, span: e.span }));
    output.exclusionsTruncated = result.excluded.length > MAX_LISTED_EXCLUSIONS;
  }
  if (step.admit) {
    const earlier = outputOf(view, step.admit.step, CampaignStepOutput);
    const grades = earlier.campaignId ? await gradedQuestions(db, earlier.campaignId, stageNameOf(step.admit.step)) : new Map();
    const admission = admitQuestions(
      step.admit,
      questions.map((q) => ({ questionId: q.id, correct: grades.get(q.id) ?? [] })),
    );
    const admitted = new Set(admission.admitted);
    questions = questions.filter((q) => admitted.has(q.id));
    output.refusedByRule = admission.refused.byRule;
    output.ungraded = admission.refused.ungraded;
  }
  output.admitted = questions.length;
  return { questions, output, name };
}

/**
 * Starts a campaign step inside the caller's transaction (which holds the step's lock) and returns
 * the output to record. A retried step whose campaign ended with failed items re-runs only those
 * items; anything already sampled is kept.
 */
export async function startCampaignStep(
  tx: DbOrTx,
  store: ObjectStore,
  view: PipelineView,
  name: string,
  step: CampaignStep,
  actor: string,
): Promise<CampaignStepOutput> {
  const previous = CampaignStepOutput.safeParse(view.steps.get(name)?.output);
  if (previous.success && previous.data.campaignId !== null && (await reuseCampaign(tx, previous.data.campaignId))) return previous.data;
  const { questions, output } = await admittedQuestions(tx, store, view, name, step);
  const { kind: _kind, model: modelRef, questions: _file, admit: _admit, ...stage } = step;
  const model = await resolveModel(tx, view, modelRef);
  const spec = stepCampaignSpec(view, name, stage, model);
  if (questions.length === 0) return { ...output, campaignId: null };
  const campaignId = await registerCampaign(tx, spec, questions, actor);
  return { ...output, campaignId };
}
