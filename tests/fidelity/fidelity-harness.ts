/**
 * One sample through the real pipeline against model-sim in one behaviour class: the rollout engine
 * (stops, tools, EOS), the grader, RFT selection and the export projections. What a fidelity test
 * checks is what would reach the dataset, and with which trained text.
 */
import {
  BUILTIN_RECIPES,
  type Question,
  Recipe,
  resolveModelProfile,
  TRAINED_SEGMENT_KINDS,
  type Trajectory,
  type Verdict,
} from '@rft/contracts';
import { type CanonicalRecord, selectRft, toAxolotlRow, toSharegptRow } from '@rft/curator';
import { createGrader, type Grader } from '@rft/grader';
import { type BehaviourClass, createModelSim, type ServerFlavour } from '@rft/model-sim';
import { createRolloutEngine, createSubprocessPythonRunner, type LoopOptions } from '@rft/rollout-worker/engine';

export interface FidelityCase {
  behaviour: BehaviourClass;
  question: Question;
  flavour?: ServerFlavour;
  profile?: string;
  recipe?: 'rft' | 'greedy' | 'hint-infer';
  seed?: number;
  engine?: Partial<LoopOptions>;
}

export interface FidelityResult {
  trajectory: Trajectory;
  verdict: Verdict;
  /** RFT selection kept the sample (the one candidate of its question). */
  selected: boolean;
  /** The text the trainer learns from: model and code segments, in order. */
  trainedText: string;
  /** The trained text as the axolotl and LLaMA-Factory rows carry it. */
  axolotlTrained: string;
  sharegptAssistant: string;
}

const runner = createSubprocessPythonRunner({ maxConcurrent: 2 });
let grader: Grader | null = null;

export function sharedGrader(): Grader {
  grader ??= createGrader({ runner });
  return grader;
}

export async function closeFidelity(): Promise<void> {
  await grader?.close();
  grader = null;
}

export async function runFidelityCase(c: FidelityCase): Promise<FidelityResult> {
  const profile = c.profile ?? 'qwq-32b';
  const sim = createModelSim({ flavour: c.flavour ?? 'vllm', profile, behaviours: { [c.behaviour]: 1 }, model: 'sim' });
  const { url } = await sim.start();
  const engine = createRolloutEngine({
    endpoints: [url],
    model: 'sim',
    sandbox: runner,
    profile,
    ...(c.engine ? { options: c.engine } : {}),
  });
  try {
    const recipe = Recipe.parse(BUILTIN_RECIPES[c.recipe ?? 'rft']);
    const trajectory = await engine.runSample(
      { campaignId: 'fidelity', question: c.question, stage: 's', sampleIndex: 0, seed: c.seed ?? 7, recipe },
      new AbortController().signal,
    );
    const verdict = await sharedGrader().grade({ question: c.question, trajectory });
    const trainedSegments = trajectory.segments.filter((s) => s.text !== '');
    const record = {
      id: 'row',
      segments: trainedSegments.map((s) => ({ kind: s.kind, text: s.text, train: TRAINED_SEGMENT_KINDS.has(s.kind) })),
    } as CanonicalRecord;
    const selection = selectRft(
      [
        {
          questionId: c.question.id,
          stage: 's',
          sampleIndex: 0,
          sampleId: 'row',
          verdict,
          responseChars: trajectory.segments.reduce((n, s) => n + s.text.length, 0),
        },
      ],
      { seed: 'fidelity' },
    );
    const trained = (rows: { text: string; label: boolean }[]) =>
      rows
        .filter((r) => r.label)
        .map((r) => r.text)
        .join('');
    const sharegpt = toSharegptRow(record).row as { conversations: { from: string; value: string }[] };
    return {
      trajectory,
      verdict,
      selected: selection.selected.length === 1,
      trainedText: record.segments
        .filter((s) => s.train)
        .map((s) => s.text)
        .join(''),
      axolotlTrained: trained(toAxolotlRow(record).segments),
      sharegptAssistant: sharegpt.conversations
        .filter((m) => m.from === 'gpt')
        .map((m) => m.value)
        .join(''),
    };
  } finally {
    await engine.close();
    await sim.close();
  }
}

/** The trained text ends with exactly one end-of-turn token of the profile, and no other EOS text. */
export function endsWithOneEndOfTurn(text: string, profileName = 'qwq-32b'): boolean {
  const profile = resolveModelProfile(profileName);
  if (!text.endsWith(profile.endOfTurn)) return false;
  const body = text.slice(0, -profile.endOfTurn.length);
  return !profile.eosTokens.some((e) => body.includes(e));
}

export const FLAVOURS: readonly ServerFlavour[] = ['vllm', 'sglang'];
export const PROFILES = ['qwq-32b', 'qwq-32b-preview', 'deepseek-r1-distill', 'qwen3-thinking'] as const;

/** Every flavour x profile pairing, for `it` loops. */
export function matrix(): { flavour: ServerFlavour; profile: string }[] {
  return FLAVOURS.flatMap((flavour) => PROFILES.map((profile) => ({ flavour, profile })));
}

/**
 * What every correct sample must satisfy: graded correct and eligible, selected, ended on EOS as the
 * flavour reports it, and trained with exactly one end-of-turn token, the same text in every export.
 * Returns a list of problems (empty when the sample reached the dataset as it should).
 */
export function datasetProblems(r: FidelityResult, flavour: ServerFlavour, profileName: string): string[] {
  const problems: string[] = [];
  const profile = resolveModelProfile(profileName);
  const where = `${flavour}/${profileName}`;
  if (r.trajectory.end !== 'eos') problems.push(`${where}: ended ${r.trajectory.end}`);
  if (!r.verdict.correct || !r.verdict.eligible)
    problems.push(`${where}: verdict ${JSON.stringify(r.verdict.reasons)} correct=${r.verdict.correct}`);
  if (!r.selected) problems.push(`${where}: not selected`);
  if (!endsWithOneEndOfTurn(r.trainedText, profileName)) problems.push(`${where}: trained text does not end with one ${profile.endOfTurn}`);
  if (r.axolotlTrained !== r.trainedText) problems.push(`${where}: axolotl trained text differs`);
  if (r.sharegptAssistant !== r.trainedText) problems.push(`${where}: sharegpt gpt text differs`);
  if (r.trainedText.includes('```output')) problems.push(`${where}: a tool output is trained`);
  const last = r.trajectory.segments[r.trajectory.segments.length - 1];
  if (last?.meta?.endOfTurn !== true || last.text !== profile.endOfTurn)
    problems.push(`${where}: last segment is not the end-of-turn token`);
  return problems;
}
