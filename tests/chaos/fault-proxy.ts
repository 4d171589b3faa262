import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * What the proxy does to each request: pass it through, answer like an S3 endpoint that is down
 * (503) or throttling (503 SlowDown on a share of requests), or drop the connection unanswered.
 */
export type ProxyMode = 'pass' | 'unavailable' | 'throttle' | 'drop';

export interface FaultProxy {
  readonly url: string;
  setMode(mode: ProxyMode): void;
  /** Requests answered with a fault since the start. */
  readonly faulted: number;
  readonly forwarded: number;
  close(): Promise<void>;
}

const slowDown = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;

/** An HTTP proxy in front of one upstream (an S3 server) that injects faults on demand. */
export async function startFaultProxy(upstream: string, opts: { throttleShare?: number } = {}): Promise<FaultProxy> {
  const target = new URL(upstream);
  const throttleShare = opts.throttleShare ?? 0.5;
  let mode: ProxyMode = 'pass';
  let faulted = 0;
  let forwarded = 0;
  let tick = 0;
  const sockets = new Set<Socket>();

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    forwarded += 1;
    const upstreamReq = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstreamReq.on('error', () => res.destroy());
    req.pipe(upstreamReq);
  };

  const server: Server = createServer((req, res) => {
    tick += 1;
    const fault = mode === 'unavailable' || mode === 'drop' || (mode === 'throttle' && (tick % 100) / 100 < throttleShare) ? mode : 'pass';
    if (fault === 'pass') return forward(req, res);
    faulted += 1;
    req.resume();
    if (fault === 'drop') {
      req.socket.destroy();
      return;
    }
    const body =
      fault === 'throttle' ? slowDown('SlowDown', 'Please reduce your request rate.') : slowDown('ServiceUnavailable', 'Service is down.');
    res.writeHead(503, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setMode(next) {
      mode = next;
    },
    get faulted() {
      return faulted;
    },
    get forwarded() {
      return forwarded;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
