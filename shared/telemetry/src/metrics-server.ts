import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/**
 * A tiny HTTP server for `/metrics` and `/healthz`, for services that have no HTTP API of their own.
 * `ready()` decides the health answer (e.g. "connected to Postgres and Redis").
 */
export function createMetricsServer(registry: Registry, ready: () => boolean = () => true) {
  let server: Server | undefined;
  return {
    async start(port: number, host = '127.0.0.1'): Promise<{ url: string }> {
      server = createServer((req, res) => {
        if (req.url === '/metrics') {
          registry
            .metrics()
            .then((body) => {
              res.writeHead(200, { 'content-type': registry.contentType });
              res.end(body);
            })
            .catch((error: unknown) => {
              res.writeHead(500);
              res.end(String(error));
            });
          return;
        }
        if (req.url === '/healthz') {
          const ok = ready();
          res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok }));
          return;
        }
        res.writeHead(404);
        res.end();
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, host, () => resolve());
      });
      const address = server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      return { url: `http://${host}:${actualPort}` };
    },
    async close(): Promise<void> {
      if (!server) return;
      await new Promise<void>((resolve) => server!.close(() => resolve()));
      server = undefined;
    },
  };
}
