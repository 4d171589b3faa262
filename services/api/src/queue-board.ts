import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { JOB_NAMES } from '@rft/contracts';
import type { Db } from '@rft/db';
import type { JobQueues } from '@rft/queue';
import type { FastifyInstance } from 'fastify';
import { errorBody } from './api-errors.ts';
import { authenticate, authorize } from './auth.ts';

export const QUEUE_BOARD_PATH = '/admin/queues';

/** Trajectories can be long; the board shows job data as small id payloads anyway, but caps it. */
const shorten = (data: unknown) => {
  const text = JSON.stringify(data);
  return text.length > 2000 ? `${text.slice(0, 2000)}... (${text.length} chars)` : data;
};

/**
 * The read-only Bull Board for operators. The board has no auth of its own: every request under
 * its path (page, assets, its JSON API) passes the token check first (header or `rft_token` cookie).
 */
export async function registerQueueBoard(app: FastifyInstance, deps: { db: Db; queues: JobQueues }): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: JOB_NAMES.map((name) => {
      const adapter = new BullMQAdapter(deps.queues.queue(name), { readOnlyMode: true });
      adapter.setFormatter('data', shorten);
      return adapter;
    }),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'rft queues' } },
  });
  await app.register(
    async (scope) => {
      // The board installs its own error handler, so refusals are answered here, not thrown.
      scope.addHook('onRequest', async (req, reply) => {
        try {
          authorize(await authenticate(deps.db, req.headers), ['operator']);
        } catch (error) {
          const { status, body } = errorBody(error);
          return reply.code(status).send(body);
        }
      });
      // The board's page pulls web fonts from Google: nothing leaves the cluster from an operator's
      // browser, and air-gapped deployments render it the same (system fonts).
      scope.addHook('onSend', async (_req, reply, payload) => {
        const type = String(reply.getHeader('content-type') ?? '');
        if (!type.includes('text/html') || typeof payload !== 'string') return payload;
        return payload.replace(/<link[^>]+fonts\.(googleapis|gstatic)\.com[^>]*>/g, '');
      });
      await scope.register(serverAdapter.registerPlugin());
    },
    { prefix: QUEUE_BOARD_PATH },
  );
}
