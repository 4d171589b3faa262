import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

export type Responder = (req: RecordedRequest) => { status: number; body: unknown } | undefined;

/**
 * A stand-in Kubernetes API server on 127.0.0.1 (there is no cluster here): records every request
 * and answers with what the test's responder says (404 Status otherwise).
 */
export async function startFakeKubeApi(
  responder: Responder,
): Promise<{ kubeConfig: KubeConfig; requests: RecordedRequest[]; close(): Promise<void> }> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body: text ? JSON.parse(text) : null,
      };
      requests.push(recorded);
      const answer = responder(recorded) ?? {
        status: 404,
        body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `${recorded.path} not found`, reason: 'NotFound', code: 404 },
      };
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'fake', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'launcher', token: 'test-token' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'launcher', namespace: 'training' }],
    currentContext: 'fake',
  });
  return { kubeConfig, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
