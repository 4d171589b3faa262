import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * What the proxy in front of an inference replica does: pass through; be down (connections
 * refused: the listener is closed and every open connection reset, as when a replica's process
 * dies); or answer a share of completion requests with a 200 whose body is broken.
 */
export type InferenceProxyMode = { kind: 'pass' } | { kind: 'down' } | { kind: 'malformed'; share: number };

export interface InferenceFaultProxy {
  readonly url: string;
  setMode(mode: InferenceProxyMode): Promise<void>;
  /** Responses replaced by a broken 200, by kind. */
  readonly malformed: Record<'truncated' | 'garbage' | 'wrong_shape', number>;
  close(): Promise<void>;
}

// Three ways a 200 can be unusable: cut mid-body, not JSON at all, JSON of the wrong shape.
const BROKEN = {
  truncated: '{"id":"cmpl-x","object":"text_completion","choices":[{"index":0,"text":"Let me comp',
  garbage: '\u0000\u00ff<html>upstream error</html>',
  wrong_shape: '{"id":"cmpl-x","object":"text_completion","result":{"text":"42"}}',
} as const;
const KINDS = Object.keys(BROKEN) as Array<keyof typeof BROKEN>;

/** An HTTP proxy in front of one model server that injects replica-level faults on demand. */
export async function startInferenceFaultProxy(upstream: string): Promise<InferenceFaultProxy> {
  const target = new URL(upstream);
  let mode: InferenceProxyMode = { kind: 'pass' };
  let tick = 0;
  const malformed = { truncated: 0, garbage: 0, wrong_shape: 0 };
  const sockets = new Set<Socket>();

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const upstreamReq = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstreamReq.on('error', () => res.destroy());
    res.on('close', () => upstreamReq.destroy());
    req.pipe(upstreamReq);
  };

  const server: Server = createServer((req, res) => {
    tick += 1;
    const completion = req.method === 'POST' && (req.url ?? '').includes('/completions');
    if (mode.kind === 'malformed' && completion && (tick % 100) / 100 < mode.share) {
      req.resume();
      const kind = KINDS[tick % KINDS.length]!;
      malformed[kind] += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(BROKEN[kind]);
      return;
    }
    forward(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const stopListening = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: `http://127.0.0.1:${port}`,
    async setMode(next) {
      if (next.kind === 'down' && mode.kind !== 'down') await stopListening();
      if (next.kind !== 'down' && mode.kind === 'down') await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      mode = next;
    },
    malformed,
    async close() {
      if (mode.kind !== 'down') await stopListening();
    },
  };
}
