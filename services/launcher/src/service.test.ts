import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LaunchBackend, StatusReport } from './backends/launch-backend.ts';
import { createLauncher } from './launcher.ts';
import { createMemoryRunStore } from './run-store.ts';
import { createLauncherService } from './service.ts';
import { datasetFixture } from './testing/dataset-fixture.ts';

let fixture: Awaited<ReturnType<typeof datasetFixture>>;
beforeAll(async () => {
  fixture = await datasetFixture(3);
});
afterAll(async () => {
  await fixture?.s3.close();
});

/** A backend whose cluster answers are scripted per poll (the service's loop is under test here). */
function scriptedBackend(answers: (StatusReport | Error)[]): LaunchBackend {
  return {
    kind: 'slurm',
    submit: async () => ({ externalId: '42', status: 'PENDING' }),
    status: async () => {
      const next = answers.shift();
      if (!next) throw new Error('no more scripted answers');
      if (next instanceof Error) throw next;
      return next;
    },
    cancel: async () => undefined,
  };
}

describe('launcher service polling', () => {
  it('records status changes, keeps polling through an unreachable cluster, stops at a final state', async () => {
    const runStore = createMemoryRunStore();
    const backend = scriptedBackend([
      { status: 'RUNNING', detail: 'squeue: RUNNING' },
      new Error('slurmctld: connection refused'),
      { status: 'SUCCEEDED', detail: 'JobState=COMPLETED ExitCode=0:0' },
    ]);
    const launcher = createLauncher({ store: fixture.s3.store, runStore, backends: { slurm: backend }, newRunId: () => 'run-poll' });
    const logs: string[] = [];
    const service = createLauncherService({ launcher, runStore, pollIntervalMs: 1, log: (f, m) => logs.push(`${m} ${JSON.stringify(f)}`) });
    await launcher.launch({ datasetId: fixture.dataset.datasetId, backend: 'slurm' });
    await service.pollOnce();
    expect((await runStore.get('run-poll'))?.state).toBe('RUNNING');
    await service.pollOnce();
    expect((await runStore.get('run-poll'))?.state).toBe('RUNNING');
    expect(logs.at(-1)).toContain('training run status poll failed {"runId":"run-poll","err":"slurmctld: connection refused"}');
    await service.pollOnce();
    expect(await runStore.get('run-poll')).toMatchObject({ state: 'SUCCEEDED', reason: 'JobState=COMPLETED ExitCode=0:0' });
    expect(await runStore.listActive()).toEqual([]);
    await service.start();
    await service.close();
  });
});
