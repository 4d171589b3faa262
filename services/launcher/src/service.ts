import type { Launcher } from './launcher.ts';
import type { RunStore } from './run-store.ts';

export interface LauncherServiceDeps {
  launcher: Launcher;
  runStore: RunStore;
  /** How often active runs are polled. */
  pollIntervalMs: number;
  log?: (fields: Record<string, unknown>, message: string) => void;
}

export interface LauncherService {
  start(): Promise<void>;
  close(): Promise<void>;
  /** One polling pass over active runs (also what the timer runs). */
  pollOnce(): Promise<void>;
}

/** Keeps the run store in step with the clusters: polls every submitted, unfinished run. */
export function createLauncherService(deps: LauncherServiceDeps): LauncherService {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  const log = deps.log ?? (() => undefined);

  async function pollOnce(): Promise<void> {
    for (const run of await deps.runStore.listActive()) {
      try {
        const updated = await deps.launcher.refresh(run.runId);
        if (updated.state !== run.state)
          log({ runId: run.runId, from: run.state, to: updated.state, reason: updated.reason }, 'training run status changed');
      } catch (error) {
        // A cluster that cannot be reached now is asked again next pass; the error is surfaced, not dropped.
        log({ runId: run.runId, err: error instanceof Error ? error.message : String(error) }, 'training run status poll failed');
      }
    }
  }

  const tick = () => {
    running = pollOnce().finally(() => {
      running = null;
      if (timer) timer = setTimeout(tick, deps.pollIntervalMs);
    });
  };

  return {
    async start() {
      if (timer) return;
      timer = setTimeout(tick, 0);
    },
    async close() {
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
    pollOnce,
  };
}
