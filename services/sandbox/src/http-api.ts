import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ExecutionRequest, InputError, describeIssues } from '@rft/contracts';
import type { Logger } from 'pino';
import { resolveLimits } from './execution-limits.ts';
import type { CallerPolicy, SandboxConfig } from './sandbox-config.ts';
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

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Looks a bearer token up by its hash, so the lookup's timing says nothing about how much of
 * a guessed token was right.
 */
function createAuthenticator(callers: Record<string, CallerPolicy>): (req: IncomingMessage) => CallerPolicy | undefined {
  const byHash = new Map(
    Object.entries(callers).map(([key, policy]) => [key.startsWith('sha256:') ? key.slice('sha256:'.length) : sha256(key), policy]),
  );
  return (req) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    return match ? byHash.get(sha256(match[1]!)) : undefined;
  };
}

const UNKNOWN_SESSION = 'unknown session: it was never issued to this caller, was closed, or expired';

/**
 * POST /v1/sessions           issues a session id owned by the caller (201 { sessionId })
 * POST /v1/execute            ExecutionRequest -> ExecutionResult (503 + Retry-After when busy)
 * DELETE /v1/sessions/:id     ends a session
 * GET /healthz                isolation layers actually active, pool state (no token needed)
 * GET /metrics                Prometheus text (no token needed)
 *
 * Every /v1 route needs `Authorization: Bearer <token>` (401 without a known one). A session
 * belongs to the caller that opened it; to any other caller it does not exist (404).
 */
export function createHttpHandler(deps: HttpApiDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { config, pool, metrics, logger } = deps;
  const authenticate = createAuthenticator(config.callers);

  async function execute(req: IncomingMessage, res: ServerResponse, caller: CallerPolicy): Promise<void> {
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
    if (request.data.allowSubprocesses && !caller.allowSubprocesses) {
      const problem = `allowSubprocesses: caller ${caller.caller} may not run subprocesses (set allowSubprocesses for its token in SANDBOX_TOKENS)`;
      return sendJson(res, 403, { error: problem, problems: [problem] });
    }
    const { sessionId } = request.data;
    if (sessionId !== undefined && !pool.ownsSession(sessionId, caller.caller)) {
      return sendJson(res, 404, { error: UNKNOWN_SESSION, sessionId });
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
    if (pathname.startsWith('/v1/')) {
      const caller = authenticate(req);
      if (!caller) {
        return sendJson(res, 401, { error: 'authorization: a known bearer token is required' }, { 'www-authenticate': 'Bearer' });
      }
      return routeV1(req, res, pathname, caller);
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

  async function routeV1(req: IncomingMessage, res: ServerResponse, pathname: string, caller: CallerPolicy): Promise<void> {
    if (pathname === '/v1/execute') {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST' }, { allow: 'POST' });
      return execute(req, res, caller);
    }
    if (pathname === '/v1/sessions') {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST' }, { allow: 'POST' });
      const sessionId = pool.openSession(caller.caller);
      if (sessionId === null)
        return sendJson(res, 503, { error: 'too many open sessions; close some or retry later' }, { 'retry-after': '1' });
      return sendJson(res, 201, { sessionId });
    }
    if (pathname.startsWith('/v1/sessions/')) {
      if (req.method !== 'DELETE') return sendJson(res, 405, { error: 'use DELETE' }, { allow: 'DELETE' });
      const sessionId = decodeURIComponent(pathname.slice('/v1/sessions/'.length));
      if (!pool.ownsSession(sessionId, caller.caller)) return sendJson(res, 404, { error: UNKNOWN_SESSION, sessionId });
      await pool.closeSession(sessionId);
      return sendJson(res, 200, { sessionId, closed: true });
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
