/**
 * Prefix-cache hit ratio with cache-affine routing versus round robin: 4 instant model-sim replicas,
 * the same questions and seeds, multi-turn Hint-infer samples (16 per question). The hit ratio is the
 * replicas' own vllm:prefix_cache_hits / vllm:prefix_cache_queries. Target: >= 0.9 with affinity.
 *
 * ./node_modules/.bin/node services/rollout-worker/bench/prefix-cache.bench.ts
 */
import { BUILTIN_RECIPES, Recipe, type ExecutionResult, type PythonRunner } from '@rft/contracts';
import { createModelSim, demoQuestions } from '@rft/model-sim';
import { createRolloutEngine } from '../src/engine/index.ts';
import { report, round, type Row } from './bench-report.ts';
import { driveEngine } from './worker-emulator.ts';

const QUESTIONS = 48;
const SAMPLES = 16;

const instantSandbox: PythonRunner = {
  async run(): Promise<ExecutionResult> {
    return { status: 'ok', stdout: '42\n', stderr: '', exitCode: 0, wallMs: 1, cpuMs: 1, truncated: false };
  },
};

async function run(affinity: boolean, kvCacheBlocks: number): Promise<Row> {
  const sims = Array.from({ length: 4 }, (_, i) => createModelSim({ seed: i, kvCacheBlocks }));
  const urls = await Promise.all(sims.map(async (s) => (await s.start()).url));
  const engine = createRolloutEngine({
    endpoints: urls,
    model: 'qwq-32b-sim',
    sandbox: instantSandbox,
    options: { affinity, capacity: { initialLimit: 256, metricsPollMs: 0 } },
  });
  const recipe = Recipe.parse({
    ...BUILTIN_RECIPES['hint-infer'],
    sampling: { ...BUILTIN_RECIPES['hint-infer'].sampling, temperature: 0.6, maxTokens: 8000 },
  });
  const result = await driveEngine(engine, demoQuestions(), recipe, { samples: SAMPLES, until: () => false, maxQuestions: QUESTIONS });
  await engine.close();
  const hits = sims.reduce((s, x) => s + x.stats().prefixHits, 0);
  const queries = sims.reduce((s, x) => s + x.stats().prefixQueries, 0);
  const turns = result.trajectories.flatMap((t) => t.turns);
  const replicasPerQuestion = new Map<string, Set<string>>();
  for (const t of result.trajectories)
    for (const turn of t.turns) {
      const set = replicasPerQuestion.get(t.questionId) ?? new Set<string>();
      set.add(turn.replica ?? '');
      replicasPerQuestion.set(t.questionId, set);
    }
  await Promise.all(sims.map((s) => s.close()));
  return {
    routing: affinity ? 'affinity' : 'round-robin',
    kvCacheBlocks,
    samples: result.trajectories.length,
    turns: turns.length,
    promptTokens: queries,
    cachedTokens: hits,
    hitRatio: round(hits / queries),
    meanReplicasPerQuestion: round([...replicasPerQuestion.values()].reduce((s, x) => s + x.size, 0) / replicasPerQuestion.size, 2),
  };
}

const rows = [await run(true, 200_000), await run(false, 200_000), await run(true, 2_000)];
report('prefix-cache', rows, { target: 'hitRatio >= 0.9 with affinity', pass: (rows[0]!.hitRatio as number) >= 0.9 });
