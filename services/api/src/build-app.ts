import { pingDatabase } from '@rft/db';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { Registry } from 'prom-client';
import { DEFAULT_API_OPTIONS, type ApiDeps } from './api-deps.ts';
import { ApiError, answerClientError, errorBody, shownPath } from './api-errors.ts';
import { registerApiMetrics } from './api-metrics.ts';
import { registerDashboard } from './dashboard-routes.ts';
import { registerQueueBoard } from './queue-board.ts';
import { createRouteRegistry } from './route-registry.ts';
import { createStatusCache } from './status-cache.ts';
import { registerBenchmarkRoutes } from './routes/benchmark-routes.ts';
import { registerCampaignRoutes } from './routes/campaign-routes.ts';
import { registerDatasetRoutes } from './routes/dataset-routes.ts';
import { registerReviewRoutes } from './routes/review-routes.ts';
import { registerModelRoutes } from './routes/model-routes.ts';
import { registerPipelineRoutes } from './routes/pipeline-routes.ts';
import { registerRunRoutes } from './routes/run-routes.ts';
import { registerShardRoutes } from './routes/shard-routes.ts';
import { registerTokenRoutes } from './routes/token-routes.ts';

export const API_VERSION = '1.0.0';

const hasBody = (headers: Record<string, string | string[] | undefined>) =>
  (headers['content-length'] !== undefined && headers['content-length'] !== '0') || headers['transfer-encoding'] !== undefined;

/**
 * The control-plane HTTP API: campaigns, shards, datasets, runs, tokens, health, metrics, the
 * OpenAPI document, the queue board and the campaign dashboard. Does not listen; the caller does.
 */
export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const options = { ...DEFAULT_API_OPTIONS, ...deps.options };
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: options.maxBodyBytes,
    // Router and HTTP-parser refusals answer in the API's error format too.
    frameworkErrors: (error, _req, reply) => {
      const { status, body } = errorBody(error);
      void (reply as FastifyReply).code(status).send(body);
    },
    clientErrorHandler: answerClientError,
    // Requests are logged once, on response, with their route and ids (below).
    logController: new LogController({ disableRequestLogging: true }),
  });
  const registry = deps.registry ?? new Registry();
  const metrics = registerApiMetrics(registry, deps);

  app.setErrorHandler((error, req, reply) => {
    const { status, body } = errorBody(error);
    if (status >= 500) req.log.error({ err: error, url: req.url }, 'request failed');
    // A refused request whose body was never read: close the connection rather than drain it, so
    // an anonymous client cannot keep the API reading a large body it will throw away.
    if (!req.body && hasBody(req.headers)) void reply.header('connection', 'close');
    void reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const { status, body } = errorBody(new ApiError('not_found', `url: no route ${req.method} ${shownPath(req.url)}; see /openapi.json`));
    if (hasBody(req.headers)) void reply.header('connection', 'close');
    void reply.code(status).send(body);
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.observe(req.method, route, reply.statusCode, reply.elapsedTime / 1000);
    if (route.startsWith('/v1/')) {
      req.log.info({ method: req.method, route, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    }
  });

  const routes = createRouteRegistry(app, deps.db, { validateResponses: options.validateResponses });
  const statusCache = createStatusCache({ ttlMs: options.statusCacheMs });
  registerCampaignRoutes(routes, deps, statusCache);
  registerShardRoutes(routes, deps, statusCache);
  registerDatasetRoutes(routes, deps);
  registerReviewRoutes(routes, deps);
  registerRunRoutes(routes, deps);
  registerTokenRoutes(routes, deps);
  registerPipelineRoutes(routes, deps);
  registerModelRoutes(routes, deps);
  registerBenchmarkRoutes(routes, deps);

  const openApi = routes.openApi({
    title: 'rft-orchestrator control plane',
    version: API_VERSION,
    license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
  });
  openApi.servers = [{ url: '/', description: 'the API that served this document (npm run local: http://127.0.0.1:8080)' }];
  const publicGet = (operationId: string, summary: string, type: string, schema: Record<string, unknown>) => ({
    get: {
      operationId,
      summary,
      tags: ['operations'],
      security: [],
      responses: { '200': { description: summary, content: { [type]: { schema } } } },
    },
  });
  const readiness = {
    type: 'object',
    properties: { ok: { type: 'boolean' }, checks: { type: 'object', additionalProperties: { type: 'string' } } },
    required: ['ok', 'checks'],
  };
  Object.assign(openApi.paths as Record<string, unknown>, {
    '/healthz': publicGet('getHealth', 'Liveness: the process answers', 'application/json', {
      type: 'object',
      properties: { ok: { const: true } },
      required: ['ok'],
    }),
    '/readyz': {
      get: {
        ...publicGet('getReadiness', 'Readiness: Postgres and Redis answer', 'application/json', readiness).get,
        responses: {
          '200': { description: 'Postgres and Redis answer', content: { 'application/json': { schema: readiness } } },
          '503': { description: 'Postgres or Redis does not answer', content: { 'application/json': { schema: readiness } } },
        },
      },
    },
    '/metrics': publicGet('getMetrics', 'Prometheus metrics, including bullmq_job_count{queue,state}', 'text/plain', { type: 'string' }),
    '/openapi.json': publicGet('getOpenApi', 'This document', 'application/json', { type: 'object' }),
    '/dashboard': publicGet(
      'getDashboard',
      'Campaign dashboard page (?campaign=<id>#token=<token>; its API calls are authenticated)',
      'text/html',
      { type: 'string' },
    ),
  });
  app.get('/openapi.json', async () => openApi);
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    const checks: Record<string, string> = {};
    await pingDatabase(deps.db).then(
      () => (checks.postgres = 'ok'),
      (e: Error) => (checks.postgres = e.message),
    );
    await deps.queues
      .queue('rollout')
      .getJobCounts('waiting')
      .then(
        () => (checks.redis = 'ok'),
        (e: Error) => (checks.redis = e.message),
      );
    const ok = Object.values(checks).every((v) => v === 'ok');
    return reply.code(ok ? 200 : 503).send({ ok, checks });
  });
  app.get('/metrics', async (_req, reply) => reply.header('content-type', registry.contentType).send(await registry.metrics()));

  registerDashboard(app);
  if (options.queueBoard) await registerQueueBoard(app, deps);
  return app;
}
