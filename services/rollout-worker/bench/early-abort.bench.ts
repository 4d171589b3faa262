/**
 * Early abort of degenerate loops: the same samples with the repetition guard on and off, against an
 * instant model-sim whose samples sometimes loop forever and sometimes enumerate (healthily) until the
 * budget runs out. Reports tokens generated and saved, loops caught and missed, and healthy samples
 * aborted (must be 0). Ground truth comes from the text: model-sim's loop repeats one paragraph.
 *
 * ./node_modules/.bin/node services/rollout-worker/bench/early-abort.bench.ts
 */
import { BUILTIN_RECIPES, Recipe, responseText, type ExecutionResult, type PythonRunner, type Trajectory } from '@rft/contracts';
import { createModelSim, demoQuestions } from '@rft/model-sim';
import { createRolloutEngine } from '../src/engine/index.ts';
import { report, type Row } from './bench-report.ts';
import { driveEngine } from './worker-emulator.ts';

const QUESTIONS = 40;
const SAMPLES = 16;
const LOOP_MARKER = /[Ll]et me recompute that step\./g;

const instantSandbox: PythonRunner = {
  async run(): Promise<ExecutionResult> {
    return { status: 'ok', stdout: '42\n', stderr: '', exitCode: 0, wallMs: 1, cpuMs: 1, truncated: false };
  },
};

const isLongHealthy = (t: Trajectory): boolean => responseText(t.segments).includes('Case k = ');
const startedLooping = (t: Trajectory): boolean => (responseText(t.segments).match(LOOP_MARKER) ?? []).length >= 3;
/** Looping and never recovering (a hint inserted at one of the loop's "Wait," can pull a sample out). */
const isLoop = (t: Trajectory): boolean => startedLooping(t) && t.end !== 'eos';

async function run(guard: boolean, recipeName: 'rft' | 'hint-infer' = 'rft'): Promise<Row> {
  const sim = createModelSim();
  const { url } = await sim.start();
  const engine = createRolloutEngine({
    endpoints: [url],
    model: 'qwq-32b-sim',
    sandbox: instantSandbox,
    options: guard ? {} : { repetition: null, chunkTokens: null },
  });
  const base = BUILTIN_RECIPES[recipeName];
  const recipe = Recipe.parse({ ...base, sampling: { ...base.sampling, temperature: 0.6 } });
  const { trajectories } = await driveEngine(engine, demoQuestions(), recipe, {
    samples: SAMPLES,
    until: () => false,
    maxQuestions: QUESTIONS,
  });
  await engine.close();
  await sim.close();
  const loops = trajectories.filter(isLoop);
  const aborted = trajectories.filter((t) => t.end === 'repetition_abort');
  return {
    recipe: recipeName,
    guard: guard ? 'on (2048-token chunks)' : 'off',
    samples: trajectories.length,
    loopingSamples: loops.length,
    loopsEndedByHint: trajectories.filter((t) => startedLooping(t) && t.end === 'eos').length,
    aborted: aborted.length,
    loopsMissed: loops.filter((t) => t.end !== 'repetition_abort').length,
    healthyAborted: aborted.filter((t) => !isLoop(t)).length,
    longHealthySamples: trajectories.filter(isLongHealthy).length,
    longHealthyAborted: aborted.filter(isLongHealthy).length,
    generatedTokens: trajectories.reduce((s, t) => s + t.turns.reduce((a, x) => a + x.completionTokens, 0), 0),
    tokensSaved: trajectories.reduce((s, t) => s + (t.tokensSaved ?? 0), 0),
    requests: trajectories.reduce((s, t) => s + t.turns.length, 0),
  };
}

const rows = [await run(true), await run(false), await run(true, 'hint-infer')];
const on = rows[0]!;
report('early-abort', rows, {
  generatedTokensReduction: Number((1 - (on.generatedTokens as number) / (rows[1]!.generatedTokens as number)).toFixed(3)),
  target: 'healthyAborted == 0',
  pass: rows.every((r) => r.healthyAborted === 0) && on.loopsMissed === 0,
});
