import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './api-deps.ts';
import { buildApp } from './build-app.ts';

/** The API as a service component: `start()` listens, `close()` stops accepting and drains requests. */
export function createApi(deps: ApiDeps, listen: { host: string; port: number }) {
  let app: FastifyInstance | undefined;
  return {
    async start(): Promise<{ url: string }> {
      app = await buildApp(deps);
      const url = await app.listen({ host: listen.host, port: listen.port });
      return { url };
    },
    async close(): Promise<void> {
      await app?.close();
      app = undefined;
    },
  };
}
