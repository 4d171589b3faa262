import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ObjectStore } from '@rft/storage';
import type { ServeDriver, ServeTarget } from './serve-driver.ts';
import { trainedBehaviour } from './trained-behaviour.ts';

/**
 * The `local` serve backend (development and the demo only): a model-sim process playing the
 * trained model. The process is started detached, in its own process group, with its pid, port and
 * log under `<root>/<pipelineId>/<step>/`: a served model outlives a launcher restart, and a
 * restarted launcher re-adopts it from the recorded pid (checked alive and still model-sim) instead
 * of starting another. It is stopped by `stopLocalServe` (or `kill <pid>`), never by the launcher.
 */
export interface LocalServeOptions {
  /** Directory of the per-step server directories, e.g. `.local/serve`. */
  root: string;
  /** Where the dataset versions live (the trained behaviour is measured on the dataset). */
  store: ObjectStore;
  /** The Node binary model-sim runs on. @defaultValue the launcher's own */
  node?: string;
  /** Extra model-sim environment (SIM_SEED, MODEL_PROFILE, decode speed...). */
  env?: Record<string, string>;
}

const MODEL_SIM_MAIN = fileURLToPath(new URL('../../../model-sim/src/main.ts', import.meta.url));

interface PidFile {
  pid: number;
  port: number;
  model: string;
  startedAt: string;
}

export function localServeDir(root: string, pipelineId: string, step: string): string {
  return resolve(root, pipelineId, step);
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => ok(port));
    });
  });
}

async function readPidFile(dir: string): Promise<PidFile | null> {
  try {
    return JSON.parse(await readFile(join(dir, 'server.pid.json'), 'utf8')) as PidFile;
  } catch {
    return null;
  }
}

/** Alive and still a model-sim (a recycled pid belongs to some other program). */
async function isModelSim(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).includes('model-sim');
  } catch {
    return true; // no /proc (macOS): a live pid from our own pid file is the best evidence there is
  }
}

async function logTail(dir: string): Promise<string> {
  try {
    const lines = (await readFile(join(dir, 'server.log'), 'utf8')).trim().split('\n');
    return lines.slice(-3).join(' | ').slice(-600);
  } catch {
    return 'no log';
  }
}

export function createLocalServeDriver(opts: LocalServeOptions): ServeDriver {
  return {
    async start(target: ServeTarget) {
      const dir = localServeDir(opts.root, target.pipelineId, target.step);
      const existing = await readPidFile(dir);
      if (existing && existing.model === target.model && (await isModelSim(existing.pid))) {
        return { externalId: String(existing.pid) };
      }
      await mkdir(dir, { recursive: true });
      const behaviourPath = join(dir, 'trained-behaviour.json');
      const behaviour = await trainedBehaviour(opts.store, target.datasetId, target.model);
      await writeFile(behaviourPath, `${JSON.stringify(behaviour, null, 2)}\n`);
      const port = await freePort();
      const log = openSync(join(dir, 'server.log'), 'a');
      try {
        const child = spawn(opts.node ?? process.execPath, [MODEL_SIM_MAIN], {
          detached: true,
          stdio: ['ignore', log, log],
          env: {
            ...process.env,
            ...opts.env,
            HOST: '127.0.0.1',
            PORT: String(port),
            MODEL: target.model,
            SIM_SERVED_MODEL: target.model,
            SIM_TRAINED_BEHAVIOUR: behaviourPath,
          },
        });
        const pid = child.pid;
        if (pid === undefined) throw new Error(`could not start model-sim for ${target.model}`);
        child.unref();
        const record: PidFile = { pid, port, model: target.model, startedAt: new Date().toISOString() };
        await writeFile(join(dir, 'server.pid.json'), `${JSON.stringify(record)}\n`);
        return { externalId: String(pid) };
      } finally {
        closeSync(log);
      }
    },
    async state(target, externalId) {
      const dir = localServeDir(opts.root, target.pipelineId, target.step);
      const recorded = await readPidFile(dir);
      if (recorded && String(recorded.pid) === externalId && (await isModelSim(recorded.pid))) {
        return { phase: 'up', endpoints: [`http://127.0.0.1:${recorded.port}`], detail: `pid ${recorded.pid}` };
      }
      return { phase: 'failed', endpoints: [], detail: `model-sim pid ${externalId} is not running (log: ${await logTail(dir)})` };
    },
    async stop(target, externalId) {
      const recorded = await readPidFile(localServeDir(opts.root, target.pipelineId, target.step));
      if (recorded && String(recorded.pid) === externalId && (await isModelSim(recorded.pid))) process.kill(-recorded.pid, 'SIGTERM');
    },
  };
}

/** Stops a step's local server (SIGTERM to its process group); false when none was running. */
export async function stopLocalServe(root: string, pipelineId: string, step: string): Promise<boolean> {
  const pidFile = await readPidFile(localServeDir(root, pipelineId, step));
  if (!pidFile || !(await isModelSim(pidFile.pid))) return false;
  process.kill(-pidFile.pid, 'SIGTERM');
  return true;
}
