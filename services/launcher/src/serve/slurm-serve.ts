import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { mapSlurmState, runCommand, type CommandRunner } from '../backends/slurm.ts';
import { shellQuote } from '../backends/plan-files.ts';
import { ServeStartRejectedError, type ServeDriver, type ServeTarget } from './serve-driver.ts';

export interface SlurmServeOptions {
  /** The training backend's shared-filesystem job root: a run's checkpoint is `<jobRoot>/<runId>/checkpoints`. */
  jobRoot: string;
  account?: string;
  /** `--time` of the serving job, e.g. `7-00:00:00`. */
  timeLimit?: string;
  /** The `vllm` executable on the nodes (a venv's bin/vllm). @defaultValue `vllm` */
  vllm?: string;
  /** Replica i listens on `basePort + i` (array tasks may share a node). @defaultValue 8000 */
  basePort?: number;
  run?: CommandRunner;
}

type SlurmServe = Extract<ServeTarget['backend'], { type: 'slurm' }>;

/** The Slurm job name of a serve step: found again by name if its id was never recorded. */
export function serveJobName(target: Pick<ServeTarget, 'pipelineId' | 'step'>): string {
  return `rft-serve-${target.pipelineId}-${target.step}`;
}

export function checkpointDir(jobRoot: string, trainingRunId: string): string {
  return resolve(jobRoot, trainingRunId, 'checkpoints');
}

/** One array task per replica, each a `vllm serve` of the checkpoint on `gpusPerReplica` GPUs of one node. */
export function renderServeSbatch(target: ServeTarget & { backend: SlurmServe }, opts: SlurmServeOptions, jobDir: string): string {
  const { backend } = target;
  const q = shellQuote;
  const basePort = opts.basePort ?? 8000;
  const directives = [
    `--job-name=${serveJobName(target)}`,
    `--array=0-${backend.replicas - 1}`,
    '--nodes=1',
    '--ntasks=1',
    `--gpus-per-node=${backend.gpusPerReplica}`,
    `--chdir=${jobDir}`,
    `--output=${join(jobDir, 'serve-%A_%a.out')}`,
    ...(backend.partition ? [`--partition=${backend.partition}`] : []),
    ...(opts.account ? [`--account=${opts.account}`] : []),
    ...(opts.timeLimit ? [`--time=${opts.timeLimit}`] : []),
  ];
  const serve = [
    q(opts.vllm ?? 'vllm'),
    'serve',
    q(checkpointDir(opts.jobRoot, target.trainingRunId)),
    `--served-model-name ${q(target.model)}`,
    '--host 0.0.0.0',
    `--port "$PORT"`,
    `--tensor-parallel-size ${backend.gpusPerReplica}`,
    ...(backend.maxModelLen ? [`--max-model-len ${backend.maxModelLen}`] : []),
    // Sampling defaults come from the request, not the checkpoint's generation_config.json.
    '--generation-config vllm',
  ].join(' ');
  return [
    '#!/bin/bash',
    ...directives.map((d) => `#SBATCH ${d}`),
    `# rft serve step ${target.step} of pipeline ${target.pipelineId}: model ${target.model} from training run ${target.trainingRunId}`,
    'set -euo pipefail',
    `PORT=$((${basePort} + SLURM_ARRAY_TASK_ID))`,
    `exec ${serve}`,
    '',
  ].join('\n');
}

export function createSlurmServeDriver(opts: SlurmServeOptions): ServeDriver {
  const run = opts.run ?? runCommand;
  const basePort = opts.basePort ?? 8000;
  return {
    async start(target) {
      if (target.backend.type !== 'slurm') throw new Error(`slurm serve driver given a ${target.backend.type} step`);
      // A job submitted by an attempt that died before recording its id is adopted, not doubled.
      const existing = await run('squeue', ['-h', '--name', serveJobName(target), '-o', '%A']);
      const adopted = existing.code === 0 ? existing.stdout.trim().split('\n')[0]?.trim() : '';
      if (adopted) return { externalId: adopted };
      const jobDir = resolve(opts.jobRoot, 'serve', `${target.pipelineId}-${target.step}`);
      await mkdir(jobDir, { recursive: true });
      const script = join(jobDir, 'serve.sbatch');
      await writeFile(script, renderServeSbatch(target as ServeTarget & { backend: SlurmServe }, opts, jobDir));
      await chmod(script, 0o755);
      const out = await run('sbatch', ['--parsable', script]);
      const jobId = out.stdout.trim().split(';')[0] ?? '';
      if (out.code !== 0 || !/^\d+$/.test(jobId)) {
        throw new ServeStartRejectedError(
          `sbatch: ${out.stderr.trim().replace(/\n/g, '; ') || `exit ${out.code}, printed ${JSON.stringify(out.stdout)}`}`,
        );
      }
      return { externalId: jobId };
    },
    async state(target, externalId) {
      if (!externalId) return { phase: 'failed', endpoints: [], detail: 'no Slurm job recorded' };
      // One line per array task: `<job>_<task> <state> <node>`.
      const queued = await run('squeue', ['-h', '-j', externalId, '-o', '%i %T %N']);
      const tasks = (queued.code === 0 ? queued.stdout.trim().split('\n') : []).filter(Boolean).map((line) => {
        const [id = '', state = '', node = ''] = line.trim().split(/\s+/);
        return { task: Number(id.split('_')[1] ?? 0), status: mapSlurmState(state), state, node };
      });
      if (tasks.length === 0) {
        // A server never ends on its own: a job that left the queue stopped serving.
        const acct = await run('sacct', ['-j', externalId, '-X', '-n', '-P', '-o', 'JobID,State,ExitCode']);
        return {
          phase: 'failed',
          endpoints: [],
          detail: `job ${externalId} is no longer running (${acct.stdout.trim().replace(/\n/g, '; ') || 'not in squeue or sacct'})`,
        };
      }
      const broken = tasks.find((t) => t.status === 'failed' || t.status === 'cancelled' || t.status === 'succeeded');
      if (broken) return { phase: 'failed', endpoints: [], detail: `job ${externalId} task ${broken.task}: ${broken.state}` };
      const running = tasks.filter((t) => t.status === 'running' && t.node && !t.node.startsWith('('));
      const replicas = target.backend.type === 'slurm' ? target.backend.replicas : 1;
      if (running.length < Math.max(tasks.length, replicas)) {
        return { phase: 'starting', endpoints: [], detail: `job ${externalId}: ${tasks.map((t) => `${t.task} ${t.state}`).join(', ')}` };
      }
      return {
        phase: 'up',
        endpoints: running.map((t) => `http://${t.node}:${basePort + t.task}`),
        detail: `job ${externalId} running on ${running.map((t) => t.node).join(', ')}`,
      };
    },
    async stop(_target, externalId) {
      await run('scancel', [externalId]);
    },
  };
}
