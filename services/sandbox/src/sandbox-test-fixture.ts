import { createHash } from 'node:crypto';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { ExecutionRequest, ExecutionResult } from '@rft/contracts';
import { createSandboxClient, type SandboxClient } from '@rft/sandbox-client';
import type { IsolationReport } from './isolation-report.ts';
import type { SandboxConfigInput } from './sandbox-config.ts';
import { createSandboxService, type SandboxService } from './service.ts';

export const IS_ROOT = process.getuid?.() === 0;

/** Tokens of the test service: `test` may run subprocesses (code tests), `other` may not. */
export const TEST_TOKEN = 'sandbox-test-token-0123456789';
export const OTHER_TOKEN = 'sandbox-other-token-0123456789';
/** Configured by its sha256 only, as a deployment that keeps tokens out of the sandbox would. */
export const HASHED_TOKEN = 'sandbox-hashed-token-0123456789';
const TEST_CALLERS = {
  [`sha256:${createHash('sha256').update(HASHED_TOKEN).digest('hex')}`]: { caller: 'hashed' },
  [TEST_TOKEN]: { caller: 'test', allowSubprocesses: true },
  [OTHER_TOKEN]: { caller: 'other', allowSubprocesses: false },
};

export interface RunningSandbox {
  service: SandboxService;
  client: SandboxClient;
  url: string;
  isolation: IsolationReport;
  registry: Registry;
  run(request: ExecutionRequest): Promise<ExecutionResult>;
  /** Opens a session as the `test` caller. */
  openSession(): Promise<string>;
  /** A further client with another token (closed with the sandbox). */
  clientWith(token: string): SandboxClient;
  /** True when a trivial snippet still answers correctly. */
  healthy(): Promise<boolean>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

/** Starts a real sandbox service on 127.0.0.1:0 with a real client (the `test` caller). */
export async function startSandbox(config: Omit<SandboxConfigInput, 'callers'>): Promise<RunningSandbox> {
  const registry = new Registry();
  const service = createSandboxService(
    { port: 0, allowSameUid: !IS_ROOT, callers: TEST_CALLERS, ...config },
    { logger: pino({ level: process.env['SANDBOX_TEST_LOG'] ?? 'silent' }), registry },
  );
  const { url, isolation } = await service.start();
  const client = createSandboxClient({ baseUrl: url, token: TEST_TOKEN });
  const extraClients: SandboxClient[] = [];
  return {
    service,
    client,
    url,
    isolation,
    registry,
    run: (request) => client.run(request),
    openSession: () => client.openSession(),
    clientWith(token) {
      const extra = createSandboxClient({ baseUrl: url, token, maxRetries: 0 });
      extraClients.push(extra);
      return extra;
    },
    async healthy() {
      const result = await client.run({ code: 'print(6 * 7)' });
      return result.status === 'ok' && result.stdout === '42\n';
    },
    async metric(name, labels = {}) {
      const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
      const values = (metric?.values ?? []) as { value: number; labels: Record<string, string | number> }[];
      return values
        .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
        .reduce((sum, v) => sum + v.value, 0);
    },
    async close() {
      await Promise.all([client, ...extraClients].map((c) => c.close()));
      await service.close();
    },
  };
}

/**
 * Pids of processes whose real uid is in [uidFrom, uidTo], leaving out each fork server's spare
 * child (forked and confined ahead of need, waiting for its code on fd 4; it changes with every
 * run). A snippet's leftover has closed fd 4 before its code ran; idle sessions are stopped (T).
 */
export async function processesOfUids(uidFrom: number, uidTo: number): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const status = await readFile(`/proc/${name}/status`, 'utf8').catch(() => '');
    const match = /^Uid:\s+(\d+)/m.exec(status);
    const state = /^State:\s+(\S)/m.exec(status)?.[1];
    if (match && state !== 'Z') {
      const uid = Number(match[1]);
      if (uid >= uidFrom && uid <= uidTo && !(await isSpareChild(Number(name), status, state))) out.push(Number(name));
    }
  }
  return out.sort((a, b) => a - b);
}

/** The processes of those uids once three reads 200 ms apart agree (spare children done confining). */
export async function settledProcessesOfUids(uidFrom: number, uidTo: number): Promise<number[]> {
  let last = await processesOfUids(uidFrom, uidTo);
  for (let same = 0; same < 2; ) {
    await new Promise((r) => setTimeout(r, 200));
    const next = await processesOfUids(uidFrom, uidTo);
    same = JSON.stringify(next) === JSON.stringify(last) ? same + 1 : 0;
    last = next;
  }
  return last;
}

async function isSpareChild(pid: number, status: string, state: string | undefined): Promise<boolean> {
  if (state === 'T') return false;
  const ppid = /^PPid:\s+(\d+)/m.exec(status)?.[1];
  const parentCmd = await readFile(`/proc/${ppid}/cmdline`, 'utf8').catch(() => '');
  if (!parentCmd.split('\0')[0]!.endsWith('python3') || !parentCmd.includes('fork_server.py')) return false;
  return readlink(`/proc/${pid}/fd/4`).then(
    (target) => target.startsWith('pipe:'),
    () => false,
  );
}
