/**
 * Orchestrator CPU per 1k generated tokens: the engine in this process against an instant model-sim
 * in a child process (so the simulator's CPU is not counted), with an instant sandbox stand-in.
 *
 * ./node_modules/.bin/node services/rollout-worker/bench/cpu-per-token.bench.ts
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BUILTIN_RECIPES, Recipe, type ExecutionResult, type PythonRunner } from '@rft/contracts';
import { demoQuestions } from '@rft/model-sim';
import { createRolloutEngine } from '../src/engine/index.ts';
import { REPO_ROOT, report, round, type Row } from './bench-report.ts';
import { driveEngine } from './worker-emulator.ts';

const QUESTIONS = 40;
const SAMPLES = 16;

const instantSandbox: PythonRunner = {
  async run(): Promise<ExecutionResult> {
    return { status: 'ok', stdout: '42\n', stderr: '', exitCode: 0, wallMs: 1, cpuMs: 1, truncated: false };
  },
};

async function startSimProcess(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'services/model-sim/src/main.ts')], {
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const m = /"url":"([^"]+)"/.exec(chunk.toString());
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`model-sim exited with ${code}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

async function run(name: 'rft' | 'hint-infer', sim: { url: string }): Promise<Row> {
  const engine = createRolloutEngine({
    endpoints: [sim.url],
    model: 'qwq-32b-sim',
    sandbox: instantSandbox,
    options: { capacity: { initialLimit: 128, metricsPollMs: 0 } },
  });
  const recipe = Recipe.parse({ ...BUILTIN_RECIPES[name], sampling: { ...BUILTIN_RECIPES[name].sampling, temperature: 0.6 } });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { trajectories } = await driveEngine(engine, demoQuestions(), recipe, {
    samples: SAMPLES,
    until: () => false,
    maxQuestions: QUESTIONS,
  });
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  await engine.close();
  const tokens = trajectories.reduce((s, t) => s + t.turns.reduce((a, x) => a + x.completionTokens, 0), 0);
  const requests = trajectories.reduce((s, t) => s + t.turns.length, 0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    recipe: name,
    samples: trajectories.length,
    requests,
    generatedTokens: tokens,
    cpuMs: Math.round(cpuMs),
    cpuMsPer1kTokens: round((cpuMs / tokens) * 1000),
    cpuMsPerRequest: round(cpuMs / requests),
    wallS: round(wallMs / 1000, 1),
  };
}

const sim = await startSimProcess();
try {
  const rows = [await run('rft', sim), await run('hint-infer', sim)];
  report('cpu-per-token', rows);
} finally {
  sim.stop();
}
