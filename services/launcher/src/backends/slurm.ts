import { execFile } from 'node:child_process';
import { mkdir, writeFile, chmod } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ObjectStore } from '@rft/storage';
import { pullDataset } from '@rft/dataset';
import type { LaunchPlan } from '../launch-plan.ts';
import { SubmissionRejectedError, type BackendRunStatus, type LaunchBackend, type StatusReport } from './launch-backend.ts';
import { planFiles, shellQuote } from './plan-files.ts';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}
export type CommandRunner = (command: string, args: readonly string[]) => Promise<CommandResult>;

/** Runs a command without a shell; a missing binary surfaces as an Error, a non-zero exit as a result. */
export const runCommand: CommandRunner = (command, args) =>
  new Promise((resolvePromise, reject) => {
    execFile(command, args, { timeout: 60_000, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(new Error(`${command}: ${error.message}`));
      else resolvePromise({ code: error ? Number(error.code) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });

export interface SlurmBackendOptions {
  /** Shared-filesystem directory; each run's files go to `<jobRoot>/<runId>/`. */
  jobRoot: string;
  /** Shared-filesystem directory the dataset export is pulled to (`<datasetRoot>/<datasetId>/`). */
  datasetRoot: string;
  /** Where dataset versions live. */
  store: ObjectStore;
  partition?: string;
  account?: string;
  /** `--time`, e.g. `3-00:00:00`. */
  timeLimit?: string;
  /** Request `--gpus-per-node` (default true); false for clusters without GPU gres such as a CPU test node. */
  requestGpus?: boolean;
  /** `tokenizer.json` on the cluster, re-hashed by the preflight against the dataset's tokenizer sha256. */
  tokenizerPath?: string;
  python?: string;
  /** Extra environment for the training processes (NCCL_IB_HCA, NCCL_SOCKET_IFNAME, HF_HOME...). */
  env?: Record<string, string>;
  rendezvousPort?: number;
  /** More sbatch options, e.g. `--qos=high` or `--begin=now+60`. */
  extraSbatchArgs?: string[];
  run?: CommandRunner;
}

/** The sbatch script: preflight on the first node, then one torchrun per node with c10d rendezvous. */
export function renderSbatchScript(plan: LaunchPlan, opts: SlurmBackendOptions, jobDir: string, datasetDir: string): string {
  const { nodes, gpusPerNode } = plan.profile.cluster;
  const python = opts.python ?? 'python3';
  const port = opts.rendezvousPort ?? 29500;
  const q = shellQuote;
  const directives = [
    `--job-name=rft-${plan.runId}`,
    `--nodes=${nodes}`,
    '--ntasks-per-node=1',
    ...(opts.requestGpus === false ? [] : [`--gpus-per-node=${gpusPerNode}`]),
    '--exclusive',
    '--mem=0',
    `--chdir=${jobDir}`,
    `--output=${join(jobDir, 'slurm-%j.out')}`,
    ...(opts.partition ? [`--partition=${opts.partition}`] : []),
    ...(opts.account ? [`--account=${opts.account}`] : []),
    ...(opts.timeLimit ? [`--time=${opts.timeLimit}`] : []),
    ...(opts.extraSbatchArgs ?? []),
  ];
  const env = { NCCL_DEBUG: 'WARN', TORCH_NCCL_ASYNC_ERROR_HANDLING: '1', ...opts.env };
  const trainer = [
    'torchrun',
    '--nnodes="$SLURM_NNODES"',
    `--nproc_per_node=${gpusPerNode}`,
    '--node_rank="$SLURM_NODEID"',
    '--rdzv_backend=c10d',
    `--rdzv_endpoint="$MASTER_ADDR:${port}"`,
    '--rdzv_id="$SLURM_JOB_ID"',
    ...plan.profile.entrypoint.map(q),
    '--deepspeed ds_config.json',
    '--training_args training_args.json',
    `--dataset_dir ${q(datasetDir)}`,
  ].join(' ');
  return [
    '#!/bin/bash',
    ...directives.map((d) => `#SBATCH ${d}`),
    `# rft training run ${plan.runId}: dataset ${plan.datasetId}, world ${plan.geometry.worldSize}, ` +
      `train_batch_size ${plan.geometry.trainBatchSize} = ${plan.geometry.microBatchPerGpu} x ${plan.geometry.gradientAccumulationSteps} x ${plan.geometry.worldSize}`,
    'set -euo pipefail',
    ...Object.entries(env).map(([k, v]) => `export ${k}=${q(v)}`),
    `${q(python)} preflight.py --plan plan.json --deepspeed ds_config.json --dataset-dir ${q(datasetDir)}` +
      (opts.tokenizerPath ? ` --tokenizer ${q(opts.tokenizerPath)}` : ''),
    'if ! nvidia-smi -L >/dev/null 2>&1; then',
    '  echo "no GPUs visible on $(hostname): preflight only, training not started"',
    '  exit 0',
    'fi',
    'MASTER_ADDR="$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n1)"',
    'export MASTER_ADDR',
    `export MASTER_PORT=${port}`,
    // Single quotes: SLURM_NODEID must expand inside each task, not in the batch step.
    `srun --kill-on-bad-exit=1 bash -c ${q(`exec ${trainer}`)}`,
    '',
  ].join('\n');
}

/** Slurm's job states -> the run status enum. */
export function mapSlurmState(state: string): BackendRunStatus {
  const s = state.trim().split(/\s+/)[0] ?? '';
  if (s.startsWith('CANCELLED')) return 'cancelled';
  switch (s) {
    case 'PENDING':
    case 'CONFIGURING':
    case 'REQUEUED':
    case 'REQUEUE_HOLD':
    case 'REQUEUE_FED':
    case 'RESV_DEL_HOLD':
      return 'pending';
    case 'RUNNING':
    case 'COMPLETING':
    case 'SUSPENDED':
    case 'STAGE_OUT':
    case 'SIGNALING':
    case 'RESIZING':
      return 'running';
    case 'COMPLETED':
      return 'succeeded';
    case 'FAILED':
    case 'TIMEOUT':
    case 'NODE_FAIL':
    case 'OUT_OF_MEMORY':
    case 'BOOT_FAIL':
    case 'DEADLINE':
    case 'PREEMPTED':
      return 'failed';
    default:
      return 'unknown';
  }
}

/** Pending reasons that no amount of waiting resolves. */
const NEVER_STARTS: ReadonlySet<string> = new Set([
  'PartitionConfig',
  'PartitionNodeLimit',
  'PartitionTimeLimit',
  'BadConstraints',
  'InvalidAccount',
  'InvalidQOS',
  'AccountNotAllowed',
  'QOSNotAllowed',
]);

function field(text: string, name: string): string | null {
  const m = new RegExp(`(?:^|\\s)${name}=(\\S+)`).exec(text);
  return m?.[1] ?? null;
}

export function createSlurmBackend(opts: SlurmBackendOptions): LaunchBackend {
  const run = opts.run ?? runCommand;
  return {
    kind: 'slurm',
    async submit(plan) {
      const datasetDir = resolve(opts.datasetRoot, plan.datasetId);
      await pullDataset({ store: opts.store, datasetId: plan.datasetId, outDir: datasetDir, format: plan.profile.datasetFormat });
      const jobDir = resolve(opts.jobRoot, plan.runId);
      await mkdir(jobDir, { recursive: true });
      for (const [name, content] of Object.entries(planFiles(plan))) await writeFile(join(jobDir, name), content);
      const script = join(jobDir, 'job.sbatch');
      await writeFile(script, renderSbatchScript(plan, opts, jobDir, datasetDir));
      await chmod(script, 0o755);
      const out = await run('sbatch', ['--parsable', script]);
      if (out.code !== 0) {
        const lines = out.stderr
          .trim()
          .split('\n')
          .map((l) => l.replace(/^sbatch: error: /, '').trim())
          .filter(Boolean);
        throw new SubmissionRejectedError('slurm', lines.join('; ') || `sbatch exited with ${out.code}`);
      }
      const jobId = out.stdout.trim().split(';')[0] ?? '';
      if (!/^\d+(_\d+)?$/.test(jobId))
        throw new SubmissionRejectedError('slurm', `sbatch printed no job id: ${JSON.stringify(out.stdout)}`);
      // Slurm queues some impossible jobs instead of refusing them (EnforcePartLimits=NO, the default):
      // a job that can never start is cancelled and reported as rejected, not left pending forever.
      const shown = await run('scontrol', ['show', 'job', '-o', jobId]);
      const reason = shown.code === 0 ? field(shown.stdout, 'Reason') : null;
      if (field(shown.stdout, 'JobState') === 'PENDING' && reason && NEVER_STARTS.has(reason)) {
        await run('scancel', [jobId]);
        throw new SubmissionRejectedError(
          'slurm',
          `job ${jobId} can never start: Reason=${reason} (requested ${plan.profile.cluster.nodes} nodes; check the partition's limits)`,
        );
      }
      return { externalId: jobId, status: 'pending' };
    },
    async status(jobId): Promise<StatusReport> {
      const queued = await run('squeue', ['-h', '-j', jobId, '-o', '%T']);
      const live = queued.code === 0 ? queued.stdout.trim() : '';
      if (live) return { status: mapSlurmState(live), detail: `squeue: ${live}` };
      // Finished jobs leave squeue; scontrol keeps them for MinJobAge, sacct (with accounting) for longer.
      const shown = await run('scontrol', ['show', 'job', '-o', jobId]);
      const state = shown.code === 0 ? field(shown.stdout, 'JobState') : null;
      if (state) {
        const exit = field(shown.stdout, 'ExitCode');
        const reason = field(shown.stdout, 'Reason');
        return {
          status: mapSlurmState(state),
          detail: `JobState=${state} ExitCode=${exit ?? '?'}${reason && reason !== 'None' ? ` Reason=${reason}` : ''}`,
        };
      }
      const acct = await run('sacct', ['-j', jobId, '-X', '-n', '-P', '-o', 'JobID,State,ExitCode,Elapsed']);
      const line = acct.code === 0 ? acct.stdout.trim().split('\n')[0] : undefined;
      if (line) {
        const [, st = '', exit = ''] = line.split('|');
        return { status: mapSlurmState(st), detail: `sacct: State=${st} ExitCode=${exit}` };
      }
      return { status: 'unknown', detail: `job ${jobId} not found by squeue, scontrol or sacct` };
    },
    async cancel(jobId) {
      const out = await run('scancel', [jobId]);
      if (out.code !== 0) throw new Error(`scancel ${jobId} failed: ${out.stderr.trim() || `exit ${out.code}`}`);
    },
  };
}
