import { readFileSync } from 'node:fs';
import { BUILTIN_RECIPES, Recipe, Trajectory, responseText, type Question } from '@rft/contracts';
import { createModelSim } from '@rft/model-sim';
import { createRolloutEngine, createSubprocessPythonRunner } from '../src/engine/index.ts';
const sim = createModelSim();
const { url } = await sim.start();
const engine = createRolloutEngine({ endpoints: [url], model: 'qwq-32b-sim', sandbox: createSubprocessPythonRunner() });
const qs = readFileSync('examples/demo/questions.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Question);
for (const name of ['greedy', 'hint-infer', 'rft'] as const) {
  const recipe = Recipe.parse(BUILTIN_RECIPES[name]);
  let right = 0, n = 0; const ends: Record<string, number> = {}; let tools = 0, hints = 0;
  await Promise.all(qs.map(async (q, i) => {
    for (let s = 0; s < (name === 'rft' ? 4 : 1); s++) {
      const t = await engine.runSample({ campaignId: 'c', question: q, stage: name, sampleIndex: s, seed: 1000 + i * 16 + s, recipe }, new AbortController().signal);
      Trajectory.parse(t);
      const boxed = /\\boxed\{([^}]*)\}/.exec(responseText(t.segments));
      n++; if (boxed && q.kind === 'math' && boxed[1] === q.answer) right++;
      ends[t.end] = (ends[t.end] ?? 0) + 1; tools += t.toolCalls; hints += t.hintsInserted;
      if (t.end === 'error') console.log(t.error);
    }
  }));
  console.log(name, { n, right, ends, tools, hints });
}
const one = await engine.runSample({ campaignId: 'c', question: qs[3]!, stage: 'x', sampleIndex: 0, seed: 5, recipe: Recipe.parse(BUILTIN_RECIPES['hint-infer']) }, new AbortController().signal);
for (const s of one.segments) console.log(`[${s.kind}${s.meta ? ' ' + JSON.stringify(s.meta) : ''}]`, JSON.stringify(s.text.slice(0, 300)));
console.log(one.turns);
await engine.close(); await sim.close();
