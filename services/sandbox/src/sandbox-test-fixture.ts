import { readdir, readFile } from 'node:fs/promises';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { ExecutionRequest, ExecutionResult } from '@rft/contracts';
import { createSandboxClient, type SandboxClient } from '@rft/sandbox-client';
import type { IsolationReport } from './isolation-report.ts';
import type { SandboxConfigInput } from './sandbox-config.ts';
import { createSandboxService, type SandboxService } from './service.ts';

export const IS_ROOT = process.getuid?.() === 0;

export interface RunningSandbox {
  service: SandboxService;
  client: SandboxClient;
  url: string;
  isolation: IsolationReport;
  registry: Registry;
  run(request: ExecutionRequest): Promise<ExecutionResult>;
  /** True when a trivial snippet still answers correctly. */
  healthy(): Promise<boolean>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

/** Starts a real sandbox service on 127.0.0.1:0 with a real client. */
export async function startSandbox(config: SandboxConfigInput): Promise<RunningSandbox> {
  const registry = new Registry();
  const service = createSandboxService(
    { port: 0, allowSameUid: !IS_ROOT, ...config },
    { logger: pino({ level: process.env['SANDBOX_TEST_LOG'] ?? 'silent' }), registry },
  );
  const { url, isolation } = await service.start();
  const client = createSandboxClient({ baseUrl: url });
  return {
    service,
    client,
    url,
    isolation,
    registry,
    run: (request) => client.run(request),
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
      await client.close();
      await service.close();
    },
  };
}

/** Pids of processes whose real uid is in [uidFrom, uidTo]. */
export async function processesOfUids(uidFrom: number, uidTo: number): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const status = await readFile(`/proc/${name}/status`, 'utf8').catch(() => '');
    const match = /^Uid:\s+(\d+)/m.exec(status);
    const state = /^State:\s+(\S)/m.exec(status)?.[1];
    if (match && state !== 'Z') {
      const uid = Number(match[1]);
      if (uid >= uidFrom && uid <= uidTo) out.push(Number(name));
    }
  }
  return out.sort((a, b) => a - b);
}
