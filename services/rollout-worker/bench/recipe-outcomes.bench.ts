/**
 * What the START recipes produce on the demo questions against model-sim, with real python: accuracy
 * of greedy (no tools), Hint-infer and RFT (16 samples), the Hint-RFT pairs (greedy wrong, Hint-infer
 * right) and the RFT questions with at least one right sample. A sanity check that downstream
 * filters and selection see real cases, and a throughput figure for the whole loop.
 *
 * ./node_modules/.bin/node services/rollout-worker/bench/recipe-outcomes.bench.ts
 */
import { BUILTIN_RECIPES, Recipe, responseText, type Question, type Trajectory } from '@rft/contracts';
import { createModelSim, demoQuestions } from '@rft/model-sim';
import { createRolloutEngine, createSubprocessPythonRunner } from '../src/engine/index.ts';
import { report, round, type Row } from './bench-report.ts';

const questions: Question[] = demoQuestions();
const boxed = (t: Trajectory): string | null => /\\boxed\{([^}]*)\}/.exec(responseText(t.segments))?.[1] ?? null;
const right = (t: Trajectory, q: Question): boolean => q.kind === 'math' && boxed(t) === q.answer;

const sim = createModelSim();
const { url } = await sim.start();
const engine = createRolloutEngine({ endpoints: [url], model: 'qwq-32b-sim', sandbox: createSubprocessPythonRunner({ maxConcurrent: 2 }) });
const signal = new AbortController().signal;

async function stage(name: keyof typeof BUILTIN_RECIPES, samples: number): Promise<{ row: Row; byQuestion: Map<string, Trajectory[]> }> {
  const recipe = Recipe.parse(BUILTIN_RECIPES[name]);
  const started = performance.now();
  const all = await Promise.all(
    questions.flatMap((q, qi) =>
      Array.from({ length: samples }, (_, i) =>
        engine.runSample({ campaignId: 'outcomes', question: q, stage: name, sampleIndex: i, seed: qi * 100 + i, recipe }, signal),
      ),
    ),
  );
  const byQuestion = new Map<string, Trajectory[]>();
  for (const t of all) byQuestion.set(t.questionId, [...(byQuestion.get(t.questionId) ?? []), t]);
  const q = (id: string): Question => questions.find((x) => x.id === id)!;
  const ends: Record<string, number> = {};
  for (const t of all) ends[t.end] = (ends[t.end] ?? 0) + 1;
  return {
    byQuestion,
    row: {
      recipe: name,
      samples: all.length,
      accuracy: round(all.filter((t) => right(t, q(t.questionId))).length / all.length),
      questionsWithARightSample: [...byQuestion.entries()].filter(([id, ts]) => ts.some((t) => right(t, q(id)))).length,
      toolCallsPerSample: round(all.reduce((s, t) => s + t.toolCalls, 0) / all.length, 2),
      hintsPerSample: round(all.reduce((s, t) => s + t.hintsInserted, 0) / all.length, 2),
      turnsPerSample: round(all.reduce((s, t) => s + t.turns.length, 0) / all.length, 2),
      ends: JSON.stringify(ends),
      wallS: round((performance.now() - started) / 1000, 1),
    },
  };
}

try {
  const greedy = await stage('greedy', 1);
  const hint = await stage('hint-infer', 1);
  const rft = await stage('rft', 16);
  const pairs = questions.filter((q) => !right(greedy.byQuestion.get(q.id)![0]!, q) && right(hint.byQuestion.get(q.id)![0]!, q)).length;
  report('recipe-outcomes', [greedy.row, hint.row, rft.row], { questions: questions.length, hintRftPairs: pairs });
} finally {
  await engine.close();
  await sim.close();
}
