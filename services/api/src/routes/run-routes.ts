import { randomUUID } from 'node:crypto';
import { LaunchRunRequest } from '@rft/contracts';
import {
  getDataset,
  getTrainingRun,
  insertTrainingRun,
  isFinishedTrainingRun,
  listTrainingRuns,
  recordAudit,
  TRAINING_RUN_STATUSES,
  trainingRunEvents,
} from '@rft/db';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.ts';
import { ApiError, notFound } from '../api-errors.ts';
import { actorOf } from '../auth.ts';
import { commaList, pageQuery, type RouteRegistry } from '../route-registry.ts';
import { TrainingRunPage, TrainingRunResponse, TrainingRunWithEvents } from '../response-schemas.ts';

const RunParams = z.object({ id: z.uuid({ error: 'must be a run id (uuid)' }) });

export function registerRunRoutes(routes: RouteRegistry, deps: ApiDeps): void {
  const { db, queues } = deps;

  routes.add({
    method: 'POST',
    url: '/v1/runs',
    operationId: 'launchRun',
    response: TrainingRunResponse,
    summary: 'Launch a training run from a dataset version: recorded as submitting, then planned and submitted by the launcher',
    tag: 'runs',
    roles: ['launcher'],
    body: LaunchRunRequest,
    status: 201,
    async handler({ principal, body, req }) {
      const dataset = await getDataset(db, body.datasetId);
      if (!dataset)
        throw new ApiError(
          'invalid_request',
          `body.datasetId: dataset ${JSON.stringify(body.datasetId)} does not exist (rft datasets list)`,
        );
      const id = randomUUID();
      await insertTrainingRun(db, {
        id,
        datasetId: dataset.id,
        backend: body.backend,
        profile: body.profile,
        config: body.config,
        createdBy: actorOf(principal),
        at: new Date(),
      });
      await recordAudit(db, {
        actor: actorOf(principal),
        action: 'run.launch',
        targetType: 'training_run',
        targetId: id,
        before: null,
        after: { datasetId: dataset.id, backend: body.backend, status: 'submitting' },
      });
      // The launcher service plans and submits it and records every status from here on; a lost
      // job is enqueued again by its poller.
      await queues.add('launch-run', { runId: id });
      req.log.info({ runId: id, datasetId: dataset.id }, 'training run recorded; launch enqueued');
      return (await getTrainingRun(db, id))!;
    },
  });

  routes.add({
    method: 'GET',
    url: '/v1/runs',
    operationId: 'listRuns',
    response: TrainingRunPage,
    summary: 'Training runs, newest first',
    tag: 'runs',
    roles: ['launcher', 'operator'],
    query: z.object({ dataset: z.string().min(1).optional(), status: commaList(z.enum(TRAINING_RUN_STATUSES)).optional(), ...pageQuery }),
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
    operationId: 'getRun',
    response: TrainingRunWithEvents,
    summary: "A training run's status (as the launcher last recorded it) and its history",
    tag: 'runs',
    roles: ['launcher', 'operator'],
    params: RunParams,
    async handler({ params }) {
      const run = await getTrainingRun(db, params.id);
      if (!run) throw notFound('training run', params.id);
      return { run, events: await trainingRunEvents(db, run.id) };
    },
  });

  routes.add({
    method: 'POST',
    url: '/v1/runs/:id/cancel',
    operationId: 'cancelRun',
    response: TrainingRunResponse,
    summary: 'Ask the launcher to cancel a training run (it records `cancelled` once the backend stopped it)',
    tag: 'runs',
    roles: ['launcher', 'operator'],
    params: RunParams,
    status: 202,
    async handler({ principal, params }) {
      const run = await getTrainingRun(db, params.id);
      if (!run) throw notFound('training run', params.id);
      if (isFinishedTrainingRun(run.status)) throw new ApiError('conflict', `run is already ${run.status}`);
      await recordAudit(db, {
        actor: actorOf(principal),
        action: 'run.cancel',
        targetType: 'training_run',
        targetId: run.id,
        before: { status: run.status },
        after: { cancelRequested: true },
      });
      await queues.add('cancel-run', { runId: run.id });
      return run;
    },
  });
}
