import type { ChaosCluster } from './chaos-cluster.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const jitter = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo));

export interface Fault {
  name: string;
  /** Injects the fault into a running campaign; returns what was done, for the table. */
  inject(c: ChaosCluster, progress: Progress): Promise<string>;
}

export interface Progress {
  samples(): Promise<number>;
  grades(): Promise<number>;
  status(): Promise<string>;
  until(what: string, probe: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
}

/** Every fault the chaos suite injects; `expected` is the campaign's sample count (progress points). */
export function faultCatalog(EXPECTED: number): Fault[] {
  return [
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
    {
      name: 'only replica down 20 s',
      async inject(c, p) {
        await p.until('10% of samples', async () => (await p.samples()) >= EXPECTED * 0.1);
        await c.inference.setMode({ kind: 'down' });
        await sleep(20_000);
        await c.inference.setMode({ kind: 'pass' });
        return 'the only replica refused connections for 20 s';
      },
    },
    {
      name: 'S3 503 for 30 s',
      async inject(c, p) {
        await p.until('first samples', async () => (await p.samples()) >= 1);
        const before = c.s3.faulted;
        c.s3.setMode('unavailable');
        await sleep(30_000);
        c.s3.setMode('pass');
        return `every S3 request answered 503 for 30 s (${c.s3.faulted - before} requests)`;
      },
    },
    {
      name: 'malformed 200s 10% for 10 s',
      async inject(c) {
        // From the campaign's start: waiting for the first stored sample leaves too few requests for a
        // 10% draw to hit. On for 10 s and until 3 broken bodies went out (at most 60 s), so the fault
        // always happens; one that injected nothing fails instead of passing as "recovered".
        const before = { ...c.inference.malformed };
        const broken = () => {
          const m = c.inference.malformed;
          return m.truncated - before.truncated + (m.garbage - before.garbage) + (m.wrong_shape - before.wrong_shape);
        };
        await c.inference.setMode({ kind: 'malformed', share: 0.1 });
        const started = Date.now();
        await sleep(10_000);
        while (broken() < 3 && Date.now() - started < 60_000) await sleep(250);
        await c.inference.setMode({ kind: 'pass' });
        if (broken() === 0) throw new Error('malformed 200s: no completion was answered with a broken body; the fault did not happen');
        const m = c.inference.malformed;
        return `10% of completions answered 200 with a broken body for 10 s (truncated ${m.truncated - before.truncated}, garbage ${m.garbage - before.garbage}, wrong shape ${m.wrong_shape - before.wrong_shape})`;
      },
    },
    {
      name: 'rollout worker SIGSTOP past its lock',
      async inject(c, p) {
        await p.until('20% of samples', async () => (await p.samples()) >= EXPECTED * 0.2);
        const frozen = c.freeze('rollout-worker', 1);
        // Lock 2 s in the cluster: 8 s frozen lets another worker take its jobs over before it resumes.
        await sleep(8_000);
        c.thaw(frozen);
        return `${frozen.length} worker stopped 8 s (lock 2 s), then resumed`;
      },
    },
  ];
}
