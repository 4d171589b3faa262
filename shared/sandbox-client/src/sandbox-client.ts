import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { ExecutionRequest, ExecutionResult, InputError, UnknownSessionError, type PythonRunner } from '@rft/contracts';

export interface SandboxClientOptions {
  /** e.g. http://sandbox:8090 */
  baseUrl: string;
  /** Bearer token naming this caller to the service (one of its SANDBOX_TOKENS). */
  token: string;
  /**
   * Client-side deadline per request. Default: the request's wall limit (or 10 s) plus the
   * server's queue wait (30 s) plus 5 s, so the server always answers first.
   */
  timeoutMs?: number;
  /** The server's queue timeout, used for the default deadline. */
  serverQueueTimeoutMs?: number;
  /** Attempts after the first, only when the request provably did not run. Default 5. */
  maxRetries?: number;
  /** First backoff; doubles per attempt with full jitter, capped at 2 s. Default 50 ms. */
  retryBaseMs?: number;
  /** Keep-alive sockets per client. Default 64. */
  maxSockets?: number;
}

/** The service refused the token (401) or the caller's policy forbids the request (403): a deployment fault. */
export class SandboxAuthError extends Error {
  override readonly name = 'SandboxAuthError';
}

export interface SandboxClient extends PythonRunner {
  /** Opens an interpreter session owned by this caller; the id is issued by the service. */
  openSession(signal?: AbortSignal): Promise<string>;
  /** Ends a session on the server; false when the server did not know it. */
  closeSession(sessionId: string): Promise<boolean>;
  close(): Promise<void>;
}

type Attempt =
  | { kind: 'result'; result: ExecutionResult }
  | { kind: 'busy'; result: ExecutionResult }
  | { kind: 'not-sent'; reason: string }
  | { kind: 'failed'; reason: string };

/** Errors that prove the request never reached the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENOENT', 'EHOSTUNREACH', 'ENETUNREACH']);
const DEFAULT_WALL_MS = 10_000;

function sandboxError(reason: string, wallMs: number): ExecutionResult {
  return {
    status: 'sandbox_error',
    stdout: '',
    stderr: `[sandbox-client] ${reason}\n`,
    exitCode: null,
    wallMs,
    cpuMs: 0,
    truncated: false,
  };
}

function errorText(text: string): string {
  try {
    return (JSON.parse(text) as { error?: string }).error ?? text.slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * HTTP client for the sandbox service. Snippet faults come back as results; transport faults
 * become `sandbox_error` results with a reason; a 400 (the caller's request is invalid)
 * throws InputError; an aborted signal rejects with the signal's reason. Retries happen only
 * when the request provably did not run: connection refused (and similar) or a `busy` answer.
 */
export function createSandboxClient(options: SandboxClientOptions): SandboxClient {
  if (!options.token) throw new InputError('sandbox client: token is required (SANDBOX_TOKEN)', ['token: required']);
  const base = new URL(options.baseUrl);
  const authorization = `Bearer ${options.token}`;
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64, timeout: 60_000 });
  const maxRetries = options.maxRetries ?? 5;
  const retryBaseMs = options.retryBaseMs ?? 50;
  const queueMs = options.serverQueueTimeoutMs ?? 30_000;

  function deadlineFor(request: ExecutionRequest): number {
    if (options.timeoutMs !== undefined) return options.timeoutMs;
    return (request.limits?.timeoutMs ?? DEFAULT_WALL_MS) + queueMs + 5_000;
  }

  function send(method: string, path: string, body: string | null, timeoutMs: number, signal?: AbortSignal) {
    return new Promise<{ status: number; text: string } | { error: NodeJS.ErrnoException; sent: boolean }>((resolve) => {
      let sent = false;
      const req = httpRequest(
        {
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port,
          path: base.pathname.replace(/\/+$/, '') + path,
          method,
          agent,
          headers:
            body === null
              ? { authorization }
              : { authorization, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          ...(signal ? { signal } : {}),
        },
        (res) => {
          readAll(res).then(
            (text) => resolve({ status: res.statusCode ?? 0, text }),
            (error: NodeJS.ErrnoException) => resolve({ error, sent: true }),
          );
        },
      );
      req.setTimeout(timeoutMs, () => {
        const error: NodeJS.ErrnoException = new Error(`no response within ${timeoutMs} ms`);
        error.code = 'ETIMEDOUT_CLIENT';
        req.destroy(error);
      });
      req.on('socket', (socket) => {
        if (socket.connecting) socket.once('connect', () => (sent = true));
        else sent = true;
      });
      req.on('error', (error: NodeJS.ErrnoException) => resolve({ error, sent }));
      req.end(body ?? undefined);
    });
  }

  async function attempt(request: ExecutionRequest, body: string, signal?: AbortSignal): Promise<Attempt> {
    const reply = await send('POST', '/v1/execute', body, deadlineFor(request), signal);
    if ('error' in reply) {
      signal?.throwIfAborted();
      const code = reply.error.code ?? '';
      const reason = `${reply.error.message}${code && !reply.error.message.includes(code) ? ` (${code})` : ''}`;
      if (!reply.sent && NOT_SENT_CODES.has(code)) return { kind: 'not-sent', reason };
      return { kind: 'failed', reason: `request to ${base.origin} failed; it may have run: ${reason}` };
    }
    if (reply.status === 401 || reply.status === 403)
      throw new SandboxAuthError(`sandbox refused the request (HTTP ${reply.status}): ${errorText(reply.text)}`);
    if (reply.status === 404 && request.sessionId !== undefined) throw new UnknownSessionError(request.sessionId);
    if (reply.status === 400) {
      let problems: string[] = [reply.text];
      try {
        problems = (JSON.parse(reply.text) as { problems?: string[] }).problems ?? problems;
      } catch {
        /* keep the raw text */
      }
      throw new InputError(`sandbox rejected the request: ${problems.join('; ')}`, problems);
    }
    if (reply.status === 200 || reply.status === 503) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(reply.text);
      } catch {
        return { kind: 'failed', reason: `HTTP ${reply.status} with a body that is not JSON: ${reply.text.slice(0, 200)}` };
      }
      const result = ExecutionResult.safeParse(parsed);
      if (!result.success) return { kind: 'failed', reason: `HTTP ${reply.status} with an invalid result: ${reply.text.slice(0, 200)}` };
      return result.data.status === 'busy' ? { kind: 'busy', result: result.data } : { kind: 'result', result: result.data };
    }
    return { kind: 'failed', reason: `HTTP ${reply.status}: ${reply.text.slice(0, 500)}` };
  }

  return {
    async run(request, signal) {
      signal?.throwIfAborted();
      const checked = ExecutionRequest.safeParse(request);
      if (!checked.success) {
        const problems = checked.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
        throw new InputError(`invalid sandbox request: ${problems.join('; ')}`, problems);
      }
      const body = JSON.stringify(checked.data);
      const started = Date.now();
      let last: Attempt | undefined;
      for (let tries = 0; tries <= maxRetries; tries++) {
        if (tries > 0) {
          const backoff = Math.min(2_000, retryBaseMs * 2 ** (tries - 1));
          await sleep(Math.random() * backoff, signal);
          signal?.throwIfAborted();
        }
        last = await attempt(checked.data, body, signal);
        if (last.kind === 'result') return last.result;
        if (last.kind === 'failed') return sandboxError(last.reason, Date.now() - started);
      }
      if (last?.kind === 'busy') return last.result;
      const reason = last?.kind === 'not-sent' ? last.reason : 'no attempt made';
      return sandboxError(`sandbox unreachable after ${maxRetries + 1} attempts: ${reason}`, Date.now() - started);
    },

    async openSession(signal) {
      for (let tries = 0; ; tries++) {
        signal?.throwIfAborted();
        const reply = await send('POST', '/v1/sessions', '{}', 10_000, signal);
        if ('error' in reply) throw new Error(`opening a session failed: ${reply.error.message}`);
        if (reply.status === 201) return (JSON.parse(reply.text) as { sessionId: string }).sessionId;
        if (reply.status === 401 || reply.status === 403)
          throw new SandboxAuthError(`sandbox refused to open a session (HTTP ${reply.status}): ${errorText(reply.text)}`);
        if (reply.status !== 503 || tries >= maxRetries)
          throw new Error(`opening a session failed: HTTP ${reply.status}: ${errorText(reply.text)}`);
        await sleep(Math.random() * Math.min(2_000, retryBaseMs * 2 ** tries), signal);
      }
    },

    async closeSession(sessionId) {
      const reply = await send('DELETE', `/v1/sessions/${encodeURIComponent(sessionId)}`, null, 10_000);
      if ('error' in reply) throw new Error(`closing session ${sessionId} failed: ${reply.error.message}`);
      if (reply.status === 401 || reply.status === 403)
        throw new SandboxAuthError(`sandbox refused to close a session (HTTP ${reply.status})`);
      return reply.status === 200;
    },

    async close() {
      agent.destroy();
    },
  };
}
