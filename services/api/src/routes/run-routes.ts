import { randomUUID } from 'node:crypto';
import { LaunchRunRequest } from '@rft/contracts';
import {
  FINISHED_TRAINING_RUN_STATUSES,
  getDataset,
  getTrainingRun,
  insertTrainingRun,
  listTrainingRuns,
  recordAudit,
  trainingRunEvents,
  updateTrainingRun,
  type TrainingRunRow,
} from '@rft/db';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.ts';
import { ApiError, notFound } from '../api-errors.ts';
import { actorOf } from '../auth.ts';
import { commaList, pageQuery, type RouteRegistry } from '../route-registry.ts';
import type { RunLauncher } from '../run-launcher.ts';

const RUN_STATUSES = ['submitting', 'pending', 'running', 'unknown', 'succeeded', 'failed', 'cancelled', 'rejected'] as const;
const RunParams = z.object({ id: z.uuid({ error: 'must be a run id (uuid)' }) });

export function registerRunRoutes(routes: RouteRegistry, deps: ApiDeps): void {
  const { db } = deps;
  const launcher = (): RunLauncher => {
    if (!deps.launcher)
      throw new ApiError('not_available', 'this deployment has no training launcher configured; runs cannot be launched or tracked here');
    return deps.launcher;
  };
  const handle = (run: TrainingRunRow) => ({ runId: run.id, backend: run.backend, externalId: run.externalId, status: run.status });

  routes.add({
    method: 'POST',
    url: '/v1/runs',
    summary: 'Launch a training run from a dataset version (recorded in training_runs)',
    tag: 'runs',
    roles: ['launcher'],
    body: LaunchRunRequest,
    status: 201,
    async handler({ principal, body, req }) {
      const l = launcher();
      const dataset = await getDataset(db, body.datasetId);
      if (!dataset)
        throw new ApiError(
          'invalid_request',
          `body.datasetId: dataset ${JSON.stringify(body.datasetId)} does not exist (rft datasets list)`,
        );
      const run = { id: randomUUID() };
      await insertTrainingRun(db, {
        id: run.id,
        datasetId: dataset.id,
        backend: body.backend,
        profile: body.profile,
        config: body.config,
        createdBy: actorOf(principal),
        at: new Date(),
      });
      let updated: TrainingRunRow | null;
      try {
        const outcome = await l.launch({ runId: run.id, dataset, backend: body.backend, profile: body.profile, config: body.config });
        if (outcome.config)
          await db
            .updateTable('training_runs')
            .set({ config: JSON.stringify(outcome.config) })
            .where('id', '=', run.id)
            .execute();
        updated = await updateTrainingRun(db, run.id, {
          status: outcome.status,
          externalId: outcome.externalId,
          error: outcome.error ?? null,
        });
      } catch (error) {
        updated = await updateTrainingRun(db, run.id, { status: 'failed', error: `launch failed: ${(error as Error).message}` });
      }
      const final = updated ?? (await getTrainingRun(db, run.id))!;
      await recordAudit(db, {
        actor: actorOf(principal),
        action: 'run.launch',
        targetType: 'training_run',
        targetId: run.id,
        before: null,
        after: { datasetId: dataset.id, backend: body.backend, status: final.status, externalId: final.externalId },
      });
      req.log.info({ runId: run.id, datasetId: dataset.id, status: final.status }, 'training run launched');
      return final;
    },
  });

  routes.add({
    method: 'GET',
    url: '/v1/runs',
    summary: 'Training runs, newest first',
    tag: 'runs',
    roles: ['launcher', 'operator'],
    query: z.object({ dataset: z.string().min(1).optional(), status: commaList(z.enum(RUN_STATUSES)).optional(), ...pageQuery }),
    async handler({ query }) {
      const items = await listTrainingRuns(db, {
        ...(query.dataset ? { datasetId: query.dataset } : {}),
        ...(query.status ? { status: query.status } : {}),
        limit: query.limit,
        offset: query.offset,
      });
      return { items, limit: query.limit, offset: query.offset };
    },
  });

  routes.add({
    method: 'GET',
    url: '/v1/runs/:id',
    summary: "A training run's status (refreshed from the backend while it is live) and its history",
    tag: 'runs',
    roles: ['launcher', 'operator'],
    params: RunParams,
    async handler({ params, req }) {
      let run = await getTrainingRun(db, params.id);
      if (!run) throw notFound('training run', params.id);
      if (!FINISHED_TRAINING_RUN_STATUSES.includes(run.status) && deps.launcher) {
        try {
          const seen = await deps.launcher.status(handle(run));
          if (seen.status !== run.status) {
            run =
              (await updateTrainingRun(db, run.id, {
                status: seen.status,
                error: seen.error ?? null,
                ...(seen.detail ? { detail: seen.detail } : {}),
              })) ?? run;
          }
        } catch (error) {
          req.log.warn({ runId: run.id, err: error }, 'run status refresh failed; showing the recorded status');
        }
      }
      return { run, events: await trainingRunEvents(db, run.id) };
    },
  });

  routes.add({
    method: 'POST',
    url: '/v1/runs/:id/cancel',
    summary: 'Cancel a training run',
    tag: 'runs',
    roles: ['launcher', 'operator'],
    params: RunParams,
    async handler({ principal, params }) {
      const l = launcher();
      const run = await getTrainingRun(db, params.id);
      if (!run) throw notFound('training run', params.id);
      if (FINISHED_TRAINING_RUN_STATUSES.includes(run.status)) throw new ApiError('conflict', `run is already ${run.status}`);
      try {
        await l.cancel(handle(run));
      } catch (error) {
        throw new ApiError('conflict', `the ${run.backend} backend did not cancel run ${run.id}: ${(error as Error).message}`);
      }
      const updated = await updateTrainingRun(db, run.id, { status: 'cancelled', detail: { by: principal.name } });
      await recordAudit(db, {
        actor: actorOf(principal),
        action: 'run.cancel',
        targetType: 'training_run',
        targetId: run.id,
        before: { status: run.status },
        after: { status: 'cancelled' },
      });
      return updated ?? (await getTrainingRun(db, run.id));
    },
  });
}
