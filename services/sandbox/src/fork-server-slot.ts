import { rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import { resolveLimits } from './execution-limits.ts';
import { launchSpec, type RuntimeLayout, type SlotIdentity } from './fork-server-launch.ts';
import { ForkServerProcess, type ForkServerReply, type ProbeReport } from './fork-server-process.ts';
import { sameLayers, type IsolationReport } from './isolation-report.ts';
import type { SandboxConfig } from './sandbox-config.ts';

const READY_TIMEOUT_MS = 60_000;

/** One place in the pool: the fork server serving it now and its replacement in preparation. */
export interface Slot {
  index: number;
  /** A bare interpreter (no numpy/sympy): stateless snippets that do not need them. */
  lean: boolean;
  identity: SlotIdentity | null;
  worker: ForkServerProcess | null;
  state: 'starting' | 'idle' | 'busy';
  generation: number;
  baseRssKb: number;
  replacing: 'runs' | 'memory' | null;
  replacement: ForkServerProcess | null;
  restartTimer: NodeJS.Timeout | null;
  failures: number;
}

export function createSlot(index: number, identity: SlotIdentity | null, lean = false): Slot {
  return {
    index,
    lean,
    identity,
    worker: null,
    state: 'starting',
    generation: 0,
    baseRssKb: 0,
    replacing: null,
    replacement: null,
    restartTimer: null,
    failures: 0,
  };
}

export interface BootDeps {
  config: SandboxConfig;
  layout: RuntimeLayout;
  layers: { bwrap: boolean; seccomp: boolean; landlock: boolean };
  logger: Logger;
  /** Layers earlier fork servers verified; a new one must verify them again. */
  expected: IsolationReport | null;
}

/** Starts a fork server for a slot, waits until it is warm and probes its isolation layers. */
export async function bootForkServer(deps: BootDeps, slot: Slot): Promise<{ worker: ForkServerProcess; probe: ProbeReport }> {
  const generation = ++slot.generation;
  const spec = await launchSpec(deps.config, deps.layout, slot.index, generation, slot.identity, deps.layers, slot.lean);
  const worker = new ForkServerProcess(spec, (line) => deps.logger.warn({ slot: slot.index, line }, 'fork server stderr'));
  void worker.exited.then(() => (spec.hostWorkDir ? rm(spec.hostWorkDir, { recursive: true, force: true }) : undefined));
  try {
    await worker.waitReady(READY_TIMEOUT_MS);
    const probe = await worker.probe(resolveLimits(undefined, deps.config));
    if (!('seccomp' in probe)) throw new Error(`probe failed: ${(probe as ForkServerReply).stderr}`);
    if (deps.expected) {
      const problem = sameLayers(deps.expected, probe);
      if (problem) throw new Error(problem);
    }
    return { worker, probe };
  } catch (error) {
    await worker.kill();
    throw error;
  }
}
