import type { IncomingMessage, ServerResponse } from 'node:http';
import { ExecutionRequest, InputError, describeIssues } from '@rft/contracts';
import type { Logger } from 'pino';
import { resolveLimits } from './execution-limits.ts';
import type { SandboxConfig } from './sandbox-config.ts';
import type { SandboxMetrics } from './sandbox-metrics.ts';
import type { WorkerPool } from './worker-pool.ts';

/** Code (1 MB) plus stdin (64 MiB) with JSON escaping headroom. */
const MAX_BODY_BYTES = 160 * 1024 * 1024;

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge(`request body is larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...headers });
  res.end(data);
}

export interface HttpApiDeps {
  config: SandboxConfig;
  pool: WorkerPool;
  metrics: SandboxMetrics;
  logger: Logger;
}

/**
 * POST /v1/execute            ExecutionRequest -> ExecutionResult (503 + Retry-After when busy)
 * DELETE /v1/sessions/:id     ends a session
 * GET /healthz                isolation layers actually active, pool state
 * GET /metrics                Prometheus text
 */
export function createHttpHandler(deps: HttpApiDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { config, pool, metrics, logger } = deps;

  async function execute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse((await readBody(req)).toString('utf8'));
    } catch (error) {
      if (error instanceof BodyTooLarge) return sendJson(res, 413, { error: error.message });
      return sendJson(res, 400, { error: 'body: not valid JSON', problems: ['body: not valid JSON'] });
    }
    const request = ExecutionRequest.safeParse(parsed);
    if (!request.success) {
      const problems = describeIssues(request.error);
      return sendJson(res, 400, { error: problems.join('; '), problems });
    }
    let limits: ReturnType<typeof resolveLimits>;
    try {
      limits = resolveLimits(request.data.limits, config);
    } catch (error) {
      if (error instanceof InputError) return sendJson(res, 400, { error: error.message, problems: error.problems });
      throw error;
    }
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const result = await pool.submit(request.data, limits, controller.signal);
    if (res.destroyed) return;
    if (result.status === 'busy') return sendJson(res, 503, result, { 'retry-after': '1' });
    sendJson(res, 200, result);
  }

  function health(res: ServerResponse): void {
    const stats = pool.stats();
    const body = { status: stats.ready ? 'ok' : 'starting', isolation: pool.isolation, pool: stats };
    sendJson(res, stats.ready ? 200 : 503, body);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const { pathname } = url;
    if (pathname === '/v1/execute') {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST' }, { allow: 'POST' });
      return execute(req, res);
    }
    if (pathname.startsWith('/v1/sessions/')) {
      if (req.method !== 'DELETE') return sendJson(res, 405, { error: 'use DELETE' }, { allow: 'DELETE' });
      const sessionId = decodeURIComponent(pathname.slice('/v1/sessions/'.length));
      const known = await pool.closeSession(sessionId);
      return sendJson(res, known ? 200 : 404, { sessionId, closed: known });
    }
    if (pathname === '/healthz' && req.method === 'GET') return health(res);
    if (pathname === '/metrics' && req.method === 'GET') {
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(text);
      return;
    }
    sendJson(res, 404, { error: `no route ${req.method} ${pathname}` });
  }

  return (req, res) => {
    route(req, res).catch((error: unknown) => {
      logger.error({ err: error, url: req.url }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: error instanceof Error ? error.message : String(error) });
      else res.destroy();
    });
  };
}
