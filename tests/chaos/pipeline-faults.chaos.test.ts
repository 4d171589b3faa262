import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerCampaign } from '@rft/intake';
import { createTestEnv, type TestEnv } from '@rft/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { demoQuestions, demoSpec } from '../integration/campaign-harness.ts';
import { auditCampaign, formatTable, type CampaignAudit } from './campaign-invariants.ts';
import { startChaosCluster, type ChaosCluster } from './chaos-cluster.ts';

/**
 * One campaign per fault, run to completion on the full pipeline (every service a child process),
 * with the fault injected mid-run. Each campaign must end completed with every expected sample
 * exactly once, every sample's object in S3, one verdict per sample and one dataset row per question.
 */
const QUESTIONS = Number(process.env.CHAOS_QUESTIONS ?? 8);
const SAMPLES = Number(process.env.CHAOS_SAMPLES ?? 8);
const EXPECTED = QUESTIONS * SAMPLES;
const ROOT = join(import.meta.dirname, '..', '..');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const jitter = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo));

interface Fault {
  name: string;
  /** Injects the fault into a running campaign; returns what was done, for the table. */
  inject(c: ChaosCluster, progress: Progress): Promise<string>;
}

interface Progress {
  samples(): Promise<number>;
  grades(): Promise<number>;
  status(): Promise<string>;
  until(what: string, probe: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
}

const FAULTS: Fault[] = [
  {
    name: 'rollout workers SIGKILL',
    async inject(c, p) {
      let killed = 0;
      for (const share of [0.15, 0.45, 0.75]) {
        await p.until(`${share * 100}% of samples`, async () => (await p.samples()) >= EXPECTED * share);
        await sleep(jitter(0, 800));
        killed += await c.kill('rollout-worker');
        await sleep(300);
        c.start('rollout-worker');
        c.start('rollout-worker');
      }
      return `${killed} workers killed at 15/45/75%`;
    },
  },
  {
    name: 'grader SIGKILL',
    async inject(c, p) {
      let killed = 0;
      for (const share of [0.1, 0.5]) {
        await p.until(`${share * 100}% graded`, async () => (await p.grades()) >= EXPECTED * share);
        await sleep(jitter(0, 500));
        killed += await c.kill('grader');
        await sleep(1000);
        c.start('grader');
      }
      return `${killed} graders killed at 10/50% graded`;
    },
  },
  {
    name: 'scheduler SIGKILL',
    async inject(c, p) {
      let killed = 0;
      for (const share of [0.1, 0.5]) {
        await p.until(`${share * 100}% of samples`, async () => (await p.samples()) >= EXPECTED * share);
        killed += await c.kill('scheduler');
        await sleep(jitter(500, 2500));
        c.start('scheduler');
      }
      return `${killed} schedulers killed, down 0.5-2.5 s each`;
    },
  },
  {
    name: 'curator SIGKILL',
    async inject(c, p) {
      const killed = await c.kill('curator');
      await p.until('campaign curating', async () => (await p.status()) === 'curating');
      await sleep(1500);
      c.start('curator');
      return `${killed} curator down until the curate job waited 1.5 s`;
    },
  },
  {
    name: 'Redis prefix wiped',
    async inject(c, p) {
      let keys = 0;
      for (const share of [0.2, 0.6]) {
        await p.until(`${share * 100}% of samples`, async () => (await p.samples()) >= EXPECTED * share);
        keys += await c.wipeRedis();
      }
      return `2 wipes, ${keys} keys deleted`;
    },
  },
  {
    name: 'Postgres backends terminated',
    async inject(c, p) {
      let terminated = 0;
      for (const share of [0.1, 0.4, 0.7]) {
        await p.until(`${share * 100}% of samples`, async () => (await p.samples()) >= EXPECTED * share);
        terminated += await c.terminatePostgresBackends();
      }
      return `3 rounds, ${terminated} backends terminated`;
    },
  },
  {
    name: 'inference 5xx/hang/drop',
    async inject(c, p) {
      await p.until('first samples', async () => (await p.samples()) >= 1);
      c.sim.setFaults({ errorRate: 0.2, errorStatus: 503, hangRate: 0.05, disconnectRate: 0.1 });
      await sleep(8000);
      c.sim.setFaults({});
      return '8 s of 20% 503, 5% hang, 10% dropped connections';
    },
  },
  {
    name: 'S3 down/throttled/dropping',
    async inject(c, p) {
      await p.until('first samples', async () => (await p.samples()) >= 1);
      const before = c.s3.faulted;
      for (const mode of ['unavailable', 'throttle', 'drop'] as const) {
        c.s3.setMode(mode);
        await sleep(3000);
      }
      c.s3.setMode('pass');
      return `3 s each of 503, 50% SlowDown, dropped connections: ${c.s3.faulted - before} requests faulted`;
    },
  },
  {
    name: 'sandbox pool crash',
    async inject(c, p) {
      await p.until('first samples', async () => (await p.samples()) >= 1);
      const forkServers = c.killForkServers();
      await sleep(2000);
      const services = await c.kill('sandbox');
      await sleep(2000);
      c.start('sandbox');
      await c.waitSandboxHealthy();
      return `${forkServers} fork-server processes killed, then the service (${services}) down 2 s`;
    },
  },
];

/** `CHAOS_FAULTS=redis,s3` runs only the faults whose name contains one of the words. */
const only = (process.env.CHAOS_FAULTS ?? '')
  .split(',')
  .map((w) => w.trim().toLowerCase())
  .filter(Boolean);
const selected = only.length ? FAULTS.filter((f) => only.some((w) => f.name.toLowerCase().includes(w))) : FAULTS;

let env: TestEnv;
let cluster: ChaosCluster;
beforeAll(async () => {
  env = await createTestEnv();
  cluster = await startChaosCluster(env);
});
afterAll(async () => {
  await cluster?.close();
  await env?.cleanup();
});

test('every fault: the campaign completes, nothing lost, nothing duplicated', async () => {
  const rows: Array<Record<string, string | number>> = [];
  const audits: Array<{ fault: string; injected: string; recoverSeconds: number | null; audit: CampaignAudit }> = [];
  for (const fault of selected) {
    const campaignId = await registerCampaign(env.db, demoSpec(cluster.simUrl, SAMPLES), demoQuestions(QUESTIONS), 'chaos');
    const count = async (q: ReturnType<typeof sql<{ n: number }>>) => (await q.execute(env.db)).rows[0]?.n ?? 0;
    const progress: Progress = {
      samples: () => count(sql<{ n: number }>`SELECT count(*)::int AS n FROM samples WHERE campaign_id = ${campaignId}`),
      grades: () =>
        count(
          sql<{
            n: number;
          }>`SELECT count(*)::int AS n FROM grades g JOIN samples s ON s.id = g.sample_id WHERE s.campaign_id = ${campaignId}`,
        ),
      status: async () =>
        (await env.db.selectFrom('campaigns').select('status').where('id', '=', campaignId).executeTakeFirstOrThrow()).status,
      async until(what, probe, timeoutMs = 180_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          try {
            if (await probe()) return;
          } catch {
            // the test's own connections are terminated too in the Postgres fault
          }
          if (Date.now() > deadline) throw new Error(`${fault.name}: timed out waiting for ${what}\n${cluster.logTail()}`);
          await sleep(100);
        }
      },
    };
    const injected = await fault.inject(cluster, progress);
    const cleared = Date.now();
    let recoverSeconds: number | null = null;
    try {
      await progress.until(
        'campaign finished',
        async () => ['completed', 'failed', 'cancelled'].includes(await progress.status()),
        240_000,
      );
      recoverSeconds = (Date.now() - cleared) / 1000;
    } catch (error) {
      console.error(String(error));
    }
    const audit = await auditCampaign(env.db, env.store, campaignId, EXPECTED);
    audits.push({ fault: fault.name, injected, recoverSeconds, audit });
    rows.push({
      fault: fault.name,
      injected,
      recovered: audit.status === 'completed' && recoverSeconds !== null ? `yes, ${recoverSeconds.toFixed(1)} s` : `no (${audit.status})`,
      samples: `${audit.distinctKeys}/${EXPECTED}`,
      lost: audit.lost,
      duplicated: audit.duplicated,
      'missing objects': audit.missingObjects,
      'dataset rows': audit.datasetItems,
    });
    console.log(formatTable([rows.at(-1)!]));
  }
  console.log(`\nchaos: ${QUESTIONS} questions x ${SAMPLES} samples per fault\n${formatTable(rows)}\n`);
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  writeFileSync(
    join(ROOT, 'bench-results', 'chaos.json'),
    JSON.stringify({ questions: QUESTIONS, samples: SAMPLES, faults: audits }, null, 2),
  );

  for (const { fault, audit } of audits) {
    expect({ fault, status: audit.status, lost: audit.lost, duplicated: audit.duplicated, failedItems: audit.failedItems }).toEqual({
      fault,
      status: 'completed',
      lost: 0,
      duplicated: 0,
      failedItems: 0,
    });
    expect(audit.grades).toBe(EXPECTED);
    expect(audit.datasetItems).toBeGreaterThan(0);
  }
}, 3_600_000);
