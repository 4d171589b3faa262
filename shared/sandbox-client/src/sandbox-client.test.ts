import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError, UnknownSessionError, type ExecutionRequest, type ExecutionResult } from '@rft/contracts';
import { createSandboxClient, SandboxAuthError, type SandboxClient } from './sandbox-client.ts';

/**
 * Transport behaviour against real HTTP servers on 127.0.0.1 whose answers each test scripts
 * (busy, refused, silent, reset, malformed). The service itself is exercised through this
 * client in services/sandbox.
 */
const OK: ExecutionResult = { status: 'ok', stdout: '42\n', stderr: '', exitCode: 0, wallMs: 4, cpuMs: 3, truncated: false };
const BUSY: ExecutionResult = { ...OK, status: 'busy', stdout: '', stderr: '[sandbox] busy\n', exitCode: null };
const REQUEST: ExecutionRequest = { code: 'print(6 * 7)' };

type Handler = (req: IncomingMessage, res: ServerResponse, body: string, n: number) => void;

const servers: Server[] = [];
const clients: SandboxClient[] = [];

async function serve(handler: Handler): Promise<{ url: string; requests: () => number; connections: () => number }> {
  let requests = 0;
  let connections = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(chunks).toString('utf8'), ++requests));
  });
  server.on('connection', () => connections++);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests: () => requests, connections: () => connections };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const TOKEN = 'client-test-token-0123456789';

function client(baseUrl: string, extra: Partial<Parameters<typeof createSandboxClient>[0]> = {}): SandboxClient {
  const c = createSandboxClient({ baseUrl, token: TOKEN, retryBaseMs: 5, ...extra });
  clients.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('sandbox client: authentication and sessions', () => {
  it('sends its bearer token on every request and opens sessions with ids the server issues', async () => {
    const auth: (string | undefined)[] = [];
    const server = await serve((req, res) => {
      auth.push(req.headers.authorization);
      if (req.url === '/v1/sessions') return json(res, 201, { sessionId: 'issued-by-server' });
      if (req.method === 'DELETE') return json(res, 200, { closed: true });
      json(res, 200, OK);
    });
    const c = client(server.url);
    const sessionId = await c.openSession();
    expect(sessionId).toBe('issued-by-server');
    await c.run({ ...REQUEST, sessionId });
    expect(await c.closeSession(sessionId)).toBe(true);
    expect(auth).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
  });

  it('refuses to be created without a token', () => {
    expect(() => createSandboxClient({ baseUrl: 'http://127.0.0.1:1', token: '' })).toThrow(/token is required/);
  });

  it('a refused token or policy throws SandboxAuthError; an unknown session throws UnknownSessionError', async () => {
    const server = await serve((req, res, body) => {
      if (req.url === '/v1/sessions') return json(res, 401, { error: 'authorization: a known bearer token is required' });
      const parsed = JSON.parse(body) as ExecutionRequest;
      if (parsed.allowSubprocesses) return json(res, 403, { error: 'allowSubprocesses: not allowed' });
      json(res, 404, { error: 'unknown session' });
    });
    const c = client(server.url);
    await expect(c.openSession()).rejects.toThrow(SandboxAuthError);
    await expect(c.run({ ...REQUEST, allowSubprocesses: true })).rejects.toThrow(/allowSubprocesses: not allowed/);
    const lost = await c.run({ ...REQUEST, sessionId: 'gone' }).catch((error: unknown) => error);
    expect(lost).toBeInstanceOf(UnknownSessionError);
    expect((lost as UnknownSessionError).sessionId).toBe('gone');
    expect(server.requests()).toBe(3);
  });
});

describe('sandbox client', () => {
  it('posts the request and returns the result, reusing one keep-alive connection', async () => {
    const seen: unknown[] = [];
    const server = await serve((req, res, body) => {
      seen.push({ method: req.method, url: req.url, body: JSON.parse(body) });
      json(res, 200, OK);
    });
    const c = client(server.url);
    for (let i = 0; i < 3; i++) expect(await c.run(REQUEST)).toEqual(OK);
    expect(seen[0]).toEqual({ method: 'POST', url: '/v1/execute', body: REQUEST });
    expect(server.connections()).toBe(1);
  });

  it('retries busy answers with backoff and returns the first real result', async () => {
    const server = await serve((_req, res, _body, n) => json(res, n <= 2 ? 503 : 200, n <= 2 ? BUSY : OK));
    expect(await client(server.url).run(REQUEST)).toEqual(OK);
    expect(server.requests()).toBe(3);
  });

  it('returns the busy result once retries are used up', async () => {
    const server = await serve((_req, res) => json(res, 503, BUSY));
    const result = await client(server.url, { maxRetries: 2 }).run(REQUEST);
    expect(result.status).toBe('busy');
    expect(server.requests()).toBe(3);
  });

  it('maps connection refused to sandbox_error after retrying', async () => {
    const { url } = await serve(() => {});
    const server = servers.pop()!;
    await new Promise((resolve) => server.close(resolve));
    const result = await client(url, { maxRetries: 2 }).run(REQUEST);
    expect(result.status).toBe('sandbox_error');
    expect(result.stderr).toMatch(/unreachable after 3 attempts.*ECONNREFUSED/);
  });

  it('does not retry when the request may have run: no answer in time', async () => {
    const server = await serve(() => {}); // accepts, never answers
    const result = await client(server.url, { timeoutMs: 300 }).run(REQUEST);
    expect(result.status).toBe('sandbox_error');
    expect(result.stderr).toMatch(/may have run: no response within 300 ms/);
    expect(server.requests()).toBe(1);
  });

  it('does not retry when the connection is reset after the request was sent', async () => {
    const server = await serve((req) => req.socket.destroy());
    const result = await client(server.url).run(REQUEST);
    expect(result.status).toBe('sandbox_error');
    expect(result.stderr).toMatch(/may have run/);
    expect(server.requests()).toBe(1);
  });

  it('maps other HTTP errors and malformed results to sandbox_error with the reason', async () => {
    const failing = await serve((_req, res) => json(res, 500, { error: 'boom' }));
    expect((await client(failing.url).run(REQUEST)).stderr).toMatch(/HTTP 500: \{"error":"boom"\}/);
    const malformed = await serve((_req, res) => json(res, 200, { status: 'fine' }));
    expect((await client(malformed.url).run(REQUEST)).stderr).toMatch(/invalid result/);
  });

  it('throws InputError for a request the server rejects, and for one that is invalid locally', async () => {
    const server = await serve((_req, res) =>
      json(res, 400, { error: 'x', problems: ['limits.timeoutMs: 999999 is above the server maximum 120000'] }),
    );
    const c = client(server.url);
    await expect(c.run({ ...REQUEST, limits: { timeoutMs: 500_000 } })).rejects.toThrow(InputError);
    await expect(c.run({ code: 42 } as unknown as ExecutionRequest)).rejects.toThrow(/code/);
    expect(server.requests()).toBe(1);
  });

  it("rejects with the signal's reason when the caller aborts", async () => {
    const server = await serve(() => {});
    const controller = new AbortController();
    const pending = client(server.url).run(REQUEST, controller.signal);
    setTimeout(() => controller.abort(new Error('trajectory cancelled')), 50);
    await expect(pending).rejects.toThrow('trajectory cancelled');
  });

  it('closes sessions through DELETE /v1/sessions/:id', async () => {
    const server = await serve((req, res) => json(res, req.url === '/v1/sessions/a%2Fb' ? 200 : 404, {}));
    const c = client(server.url);
    expect(await c.closeSession('a/b')).toBe(true);
    expect(await c.closeSession('other')).toBe(false);
  });
});
