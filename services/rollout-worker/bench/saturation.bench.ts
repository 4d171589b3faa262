/**
 * Saturation: 4 model-sim replicas of fixed capacity (maxNumSeqs × decode rate), realistic prefill
 * and a sandbox that takes 150-900 ms per call. Measures generated tokens/s over the replicas' total
 * capacity while the engine's AIMD capacity decides how many samples are in flight, side by side
 * with a fixed limit equal to the number of slots. Target: >= 0.97 with AIMD.
 *
 * ./node_modules/.bin/node services/rollout-worker/bench/saturation.bench.ts
 */
import { BUILTIN_RECIPES, Recipe, type ExecutionResult, type PythonRunner } from '@rft/contracts';
import { createModelSim, demoQuestions } from '@rft/model-sim';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createRolloutEngine } from '../src/engine/index.ts';
import { report, round, type Row } from './bench-report.ts';
import { driveEngine } from './worker-emulator.ts';

const REPLICAS = 4;
const MAX_NUM_SEQS = 24;
const DECODE = 300; // tokens/s per sequence
const WARMUP_MS = 6_000;
const MEASURE_MS = 24_000;

/** A sandbox stand-in with realistic latency; prints a number so the model carries on. */
const slowSandbox: PythonRunner = {
  async run(): Promise<ExecutionResult> {
    const wallMs = 150 + Math.random() * 750;
    await new Promise((r) => setTimeout(r, wallMs));
    return { status: 'ok', stdout: '42\n', stderr: '', exitCode: 0, wallMs, cpuMs: 5, truncated: false };
  },
};

async function run(mode: 'aimd' | 'fixed-slots'): Promise<Row> {
  const sims = Array.from({ length: REPLICAS }, (_, i) =>
    createModelSim({ seed: i, maxNumSeqs: MAX_NUM_SEQS, decodeTokensPerSecond: DECODE, prefillTokensPerSecond: 20_000 }),
  );
  const urls = await Promise.all(sims.map(async (s) => (await s.start()).url));
  const slots = REPLICAS * MAX_NUM_SEQS;
  const engine = createRolloutEngine({
    endpoints: urls,
    model: 'qwq-32b-sim',
    sandbox: slowSandbox,
    options: {
      capacity:
        mode === 'aimd'
          ? {
              initialLimit: slots,
              minLimit: slots / 2,
              maxLimit: slots * 4,
              metricsPollMs: 250,
              targetWaitingPerReplica: 3,
              additiveStep: 4,
            }
          : { initialLimit: slots, minLimit: slots, maxLimit: slots, metricsPollMs: 0 },
    },
  });
  const recipe = Recipe.parse({
    ...BUILTIN_RECIPES['hint-infer'],
    sampling: { ...BUILTIN_RECIPES['hint-infer'].sampling, temperature: 0.6, maxTokens: 6000 },
    hints: { ...BUILTIN_RECIPES['hint-infer'].hints, triggerProbability: 0.5 },
  });
  const started = performance.now();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const cpu0 = process.cpuUsage();
  let stop = false;
  const driving = driveEngine(engine, demoQuestions(), recipe, { samples: 4, until: () => stop });
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  const tokens0 = sims.reduce((s, x) => s + x.stats().generatedTokens, 0);
  const t0 = performance.now();
  let limitSum = 0;
  let inFlightSum = 0;
  let polls = 0;
  let waitingSum = 0;
  let runningSum = 0;
  const sampler = setInterval(() => {
    const c = engine.capacity();
    limitSum += c.limit;
    waitingSum += sims.reduce((sum, x) => sum + x.stats().waiting, 0);
    runningSum += sims.reduce((sum, x) => sum + x.stats().running, 0);
    inFlightSum += c.inFlight;
    polls++;
  }, 200);
  await new Promise((r) => setTimeout(r, MEASURE_MS));
  const tokens1 = sims.reduce((s, x) => s + x.stats().generatedTokens, 0);
  const t1 = performance.now();
  clearInterval(sampler);
  const cpu = process.cpuUsage(cpu0);
  lag.disable();
  stop = true;
  const result = await driving;
  await engine.close();
  await Promise.all(sims.map((s) => s.close()));
  const capacity = slots * DECODE;
  const rate = (tokens1 - tokens0) / ((t1 - t0) / 1000);
  return {
    mode,
    slots,
    capacityTokPerS: capacity,
    generatedTokPerS: Math.round(rate),
    utilization: round(rate / capacity),
    meanInFlight: Math.round(inFlightSum / polls),
    meanLimit: Math.round(limitSum / polls),
    meanWaiting: Math.round(waitingSum / polls),
    meanRunning: Math.round(runningSum / polls),
    promptTokPerS: Math.round(sims.reduce((s, x) => s + x.stats().promptTokens, 0) / ((t1 - started) / 1000)),
    hitRatio: round(sims.reduce((s, x) => s + x.stats().prefixHits, 0) / sims.reduce((s, x) => s + x.stats().prefixQueries, 0)),
    trajectories: result.trajectories.length,
    toolCalls: result.trajectories.reduce((s, t) => s + t.toolCalls, 0),
    errors: result.errors + result.trajectories.filter((t) => t.end === 'error').length,
    cpuPct: Math.round(((cpu.user + cpu.system) / 1000 / (performance.now() - started)) * 100),
    loopLagP99Ms: round(lag.percentile(99) / 1e6, 1),
    wallS: round((performance.now() - started) / 1000, 1),
  };
}

const rows = process.argv.includes('--quick') ? [await run('aimd')] : [await run('aimd'), await run('fixed-slots')];
report('saturation', rows, { target: 'utilization >= 0.97 with aimd', pass: (rows[0]!.utilization as number) >= 0.97 });
