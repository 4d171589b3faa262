import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { CommandResult } from '../backends/slurm.ts';
import type { ServeTarget } from './serve-driver.ts';
import { createSlurmServeDriver, renderServeSbatch, serveJobName } from './slurm-serve.ts';

const target: ServeTarget & {
  backend: { type: 'slurm'; gpusPerReplica: number; replicas: number; maxModelLen?: number; partition?: string };
} = {
  pipelineId: '0b4c2a4e-9d55-4a3e-8f0e-3f1c2d4e5f60',
  step: 'serve-start-0',
  model: 'start-0',
  trainingRunId: '7e0d2c1b-1111-4222-8333-944455556666',
  datasetId: 'ds-0123456789abcdef',
  backend: { type: 'slurm', gpusPerReplica: 8, replicas: 2, maxModelLen: 32768, partition: 'gpu' },
};

it('renders one array task per replica running vllm serve on the run checkpoint, and passes bash -n', () => {
  const script = renderServeSbatch(target, { jobRoot: '/shared/rft/jobs', account: 'llm' }, '/shared/rft/jobs/serve/x');
  const directives = script
    .split('\n')
    .filter((l) => l.startsWith('#SBATCH '))
    .map((l) => l.slice(8));
  expect(directives).toEqual(
    expect.arrayContaining([`--job-name=${serveJobName(target)}`, '--array=0-1', '--gpus-per-node=8', '--partition=gpu', '--account=llm']),
  );
  const serve = script.split('\n').find((l) => l.startsWith('exec '))!;
  expect(serve).toBe(
    'exec vllm serve /shared/rft/jobs/7e0d2c1b-1111-4222-8333-944455556666/checkpoints --served-model-name start-0 --host 0.0.0.0 ' +
      '--port "$PORT" --tensor-parallel-size 8 --max-model-len 32768 --generation-config vllm',
  );
  expect(script).toContain('PORT=$((8000 + SLURM_ARRAY_TASK_ID))');
  const file = join(mkdtempSync(join(tmpdir(), 'rft-serve-sbatch-')), 'serve.sbatch');
  writeFileSync(file, script);
  expect(spawnSync('bash', ['-n', file]).status).toBe(0);
});

/** A Slurm whose squeue answers are scripted; records every command. */
function scriptedSlurm(squeue: string[]) {
  const calls: string[][] = [];
  const ok = (stdout: string): CommandResult => ({ code: 0, stdout, stderr: '' });
  const run = async (command: string, args: readonly string[]): Promise<CommandResult> => {
    calls.push([command, ...args]);
    if (command === 'sbatch') return ok('4242\n');
    if (command === 'squeue' && args.includes('--name')) return ok('');
    if (command === 'squeue') return ok(squeue.shift() ?? '');
    if (command === 'sacct') return ok('4242|FAILED|1:0\n');
    return ok('');
  };
  return { run, calls };
}

it('submits once, reports pending tasks as starting, running tasks as endpoints on their node and port, a job gone as failed', async () => {
  const jobRoot = mkdtempSync(join(tmpdir(), 'rft-serve-jobs-'));
  const slurm = scriptedSlurm(['4242_[0-1] PENDING (Resources)\n', '4242_0 RUNNING gpu-a\n4242_1 RUNNING gpu-a\n', '']);
  const driver = createSlurmServeDriver({ jobRoot, run: slurm.run });
  expect(await driver.start(target)).toEqual({ externalId: '4242' });
  expect(readFileSync(join(jobRoot, 'serve', `${target.pipelineId}-${target.step}`, 'serve.sbatch'), 'utf8')).toContain('vllm serve');
  expect((await driver.state(target, '4242')).phase).toBe('starting');
  expect(await driver.state(target, '4242')).toMatchObject({ phase: 'up', endpoints: ['http://gpu-a:8000', 'http://gpu-a:8001'] });
  expect(await driver.state(target, '4242')).toMatchObject({ phase: 'failed', detail: expect.stringContaining('4242|FAILED|1:0') });
});

it('adopts a job of the same name submitted by an attempt that died before recording it', async () => {
  const calls: string[][] = [];
  const run = async (command: string, args: readonly string[]): Promise<CommandResult> => {
    calls.push([command, ...args]);
    return { code: 0, stdout: command === 'squeue' ? '977\n' : '', stderr: '' };
  };
  const driver = createSlurmServeDriver({ jobRoot: mkdtempSync(join(tmpdir(), 'rft-serve-jobs-')), run });
  expect(await driver.start(target)).toEqual({ externalId: '977' });
  expect(calls.map((c) => c[0])).toEqual(['squeue']);
});
