import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFinishedTrainingRun } from '@rft/db';
import { createLauncher, type Launcher } from '../launcher.ts';
import { datasetFixture } from '../testing/dataset-fixture.ts';
import { SubmissionRejectedError, type StatusReport } from './launch-backend.ts';
import { createSlurmBackend, mapSlurmState, type SlurmBackendOptions } from './slurm.ts';

// A real single-node Slurm (slurmctld + slurmd + munged) started by infra/local/slurm.sh; needs root.
const isRoot = process.getuid?.() === 0;
const slurmScript = fileURLToPath(new URL('../../../../infra/local/slurm.sh', import.meta.url));

let fixture: Awaited<ReturnType<typeof datasetFixture>>;
let scratch: string;

beforeAll(async () => {
  if (!isRoot) return;
  await promisify(execFile)('bash', [slurmScript, 'start'], { timeout: 540_000 });
  fixture = await datasetFixture();
  scratch = await mkdtemp(join(tmpdir(), 'rft-slurm-test-'));
}, 600_000);
afterAll(async () => {
  await fixture?.s3.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

// This test cluster has one node and no GPU gres: one node, no --gpus-per-node.
const ONE_NODE = { cluster: { nodes: 1, gpusPerNode: 8 } };

function launcherWith(options: Partial<SlurmBackendOptions>, runId: string) {
  const backend = createSlurmBackend({
    jobRoot: join(scratch, 'jobs'),
    datasetRoot: join(scratch, 'datasets'),
    store: fixture.s3.store,
    requestGpus: false,
    python: '/usr/bin/python3',
    ...options,
  });
  const launcher = createLauncher({ store: fixture.s3.store, backends: { slurm: backend } });
  const launch = async (request: { profile?: unknown; tokenizerPath?: string }) => {
    const plan = await launcher.plan({ runId, datasetId: fixture.dataset.datasetId, backend: 'slurm', ...request });
    return { plan, ...(await launcher.submit('slurm', plan)) };
  };
  return { backend, launcher, launch };
}

/** Polls until Slurm reports a final state (bounded by the test timeout, no timing assertion). */
async function untilFinished(launcher: Launcher, externalId: string): Promise<StatusReport> {
  for (;;) {
    const report = await launcher.status('slurm', externalId);
    if (isFinishedTrainingRun(report.status)) return report;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe.skipIf(!isRoot)('Slurm backend on a real slurmctld/slurmd', () => {
  it('submits the sbatch script; on a node without GPUs it validates config and dataset and exits 0', async () => {
    const { launcher, launch } = launcherWith({ tokenizerPath: fixture.tokenizerPath }, 'run-slurm-ok');
    const submitted = await launch({ profile: ONE_NODE, tokenizerPath: fixture.tokenizerPath });
    expect(submitted.status).toBe('pending');
    expect(submitted.externalId).toMatch(/^\d+$/);
    expect(submitted.plan.deepspeed).toMatchObject({
      train_batch_size: 128,
      train_micro_batch_size_per_gpu: 1,
      gradient_accumulation_steps: 16,
    });
    const script = await readFile(join(scratch, 'jobs', 'run-slurm-ok', 'job.sbatch'), 'utf8');
    expect(script).toContain('#SBATCH --nodes=1');
    expect(script).toContain('--rdzv_backend=c10d');
    expect(script).not.toContain('--gpus-per-node');

    const finished = await untilFinished(launcher, submitted.externalId);
    const out = await readFile(join(scratch, 'jobs', 'run-slurm-ok', `slurm-${submitted.externalId}.out`), 'utf8');
    expect(finished, out).toEqual({ status: 'succeeded', detail: 'JobState=COMPLETED ExitCode=0:0' });
    expect(out).toContain(
      `preflight ok: run run-slurm-ok, dataset ${fixture.dataset.datasetId}, 3 files verified, world 8, train_batch_size 128 = 1 x 16 x 8`,
    );
    expect(out).toContain('preflight only, training not started');
    expect(submitted.plan.datasetFiles).toHaveLength(3);
  });

  it('fails the job when the cluster tokenizer differs from the dataset tokenizer', async () => {
    const other = join(scratch, 'tokenizer.json');
    await writeFile(other, '{"model":{"type":"BPE"}}');
    const { launcher, launch } = launcherWith({ tokenizerPath: other }, 'run-slurm-tok');
    const submitted = await launch({ profile: ONE_NODE });
    const finished = await untilFinished(launcher, submitted.externalId);
    const out = await readFile(join(scratch, 'jobs', 'run-slurm-tok', `slurm-${submitted.externalId}.out`), 'utf8');
    expect(finished.status, out).toBe('failed');
    expect(finished.detail).toMatch(/ExitCode=1:0/);
    expect(out).toContain(`preflight: tokenizer: ${other} has sha256`);
    expect(out).toContain(`but the dataset was tokenized with ${fixture.dataset.manifest.model.tokenizer.sha256}`);
  });

  it('reports the scheduler reason for a rejected submission', async () => {
    const { launch } = launcherWith({ partition: 'gpu-a100' }, 'run-slurm-rejected');
    const error = await launch({ profile: ONE_NODE }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubmissionRejectedError);
    expect((error as Error).message).toBe(
      'slurm rejected the submission: invalid partition specified: gpu-a100; Batch job submission failed: Invalid partition name specified',
    );
  });

  it('treats a job the partition can never run (4 nodes on a 1-node cluster) as rejected and cancels it', async () => {
    const { launch } = launcherWith({}, 'run-slurm-toobig');
    const error = await launch({ profile: { cluster: { nodes: 4, gpusPerNode: 8 } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubmissionRejectedError);
    const jobId = /job (\d+) can never start: Reason=PartitionConfig/.exec((error as Error).message)?.[1];
    expect(jobId, (error as Error).message).toBeDefined();
    const { stdout } = await promisify(execFile)('scontrol', ['show', 'job', '-o', jobId!]);
    expect(stdout).toMatch(/JobState=CANCELLED/);
  });

  it('cancels a queued job with scancel', async () => {
    const { launcher, launch } = launcherWith({ extraSbatchArgs: ['--begin=now+3600'] }, 'run-slurm-cancel');
    const submitted = await launch({ profile: ONE_NODE });
    expect((await launcher.status('slurm', submitted.externalId)).status).toBe('pending');
    await launcher.cancel('slurm', submitted.externalId);
    expect((await launcher.status('slurm', submitted.externalId)).status).toBe('cancelled');
  });
});

describe('mapSlurmState', () => {
  it('maps scheduler states, including "CANCELLED by <uid>"', () => {
    expect(mapSlurmState('PENDING')).toBe('pending');
    expect(mapSlurmState('COMPLETING')).toBe('running');
    expect(mapSlurmState('COMPLETED')).toBe('succeeded');
    expect(mapSlurmState('CANCELLED by 0')).toBe('cancelled');
    expect(mapSlurmState('OUT_OF_MEMORY')).toBe('failed');
    expect(mapSlurmState('TIMEOUT')).toBe('failed');
    expect(mapSlurmState('SOMETHING_NEW')).toBe('unknown');
  });
  if (!isRoot) it('skips the real-cluster tests: not root, cannot start Slurm', () => expect(isRoot).toBe(false));
});
