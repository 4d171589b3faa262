import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnknownSessionError } from '@rft/contracts';
import { SandboxAuthError } from '@rft/sandbox-client';
import {
  HASHED_TOKEN,
  IS_ROOT,
  OTHER_TOKEN,
  TEST_TOKEN,
  processesOfUids,
  startSandbox,
  type RunningSandbox,
} from './sandbox-test-fixture.ts';

const AUTH = { authorization: `Bearer ${TEST_TOKEN}` };

/** Pool behaviour through the real HTTP API: busy, queue, recycling, sessions, crashes, cancel. */
describe('one fork server, no queue', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ poolSize: 1, sandboxUid: 22_001, maxQueue: 0, recycleAfterRuns: 5 });
  });
  afterAll(async () => sandbox?.close());

  it('answers busy at once when the fork server is taken and nothing may wait', async () => {
    const slow = sandbox.run({ code: 'import time\ntime.sleep(1.5)\nprint("slow done")' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const response = await fetch(`${sandbox.url}/v1/execute`, {
      method: 'POST',
      headers: AUTH,
      body: JSON.stringify({ code: 'print(1)' }),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    const busy = (await response.json()) as { status: string; stderr: string };
    expect(busy.status).toBe('busy');
    expect(busy.stderr).toMatch(/did not run/);
    expect((await slow).stdout).toBe('slow done\n');
  });

  it('recycles the fork server after N runs without failing a request', async () => {
    const before = await sandbox.metric('sandbox_worker_recycles_total');
    for (let i = 0; i < 12; i++) {
      const r = await sandbox.run({ code: `print(${i})` });
      expect(r.stdout).toBe(`${i}\n`);
    }
    // The replacement boots in the background; wait for the swap to be counted.
    for (let i = 0; i < 100 && (await sandbox.metric('sandbox_worker_recycles_total')) === before; i++) {
      await sandbox.run({ code: 'pass' });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await sandbox.metric('sandbox_worker_recycles_total')).toBeGreaterThan(before);
    expect(await sandbox.healthy()).toBe(true);
  });
});

describe('sessions and faults', () => {
  const UID = 22_101;
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    // bubblewrap off, as in a pod: its PID namespace must not be what kills orphaned snippets.
    sandbox = await startSandbox({
      poolSize: 2,
      // Warm fork servers only (uids UID and UID + 1), where the faults below are aimed.
      leanPoolSize: 0,
      sandboxUid: UID,
      maxQueue: 8,
      queueTimeoutMs: 500,
      sessions: { idleTtlMs: 600 },
      layers: { bwrap: 'off' },
      // No spare children, so the fork server with a child is the one running the sleeping snippet.
      preforkChildren: false,
    });
  });
  afterAll(async () => sandbox?.close());

  it('keeps variables across the cells of a session, not across sessions or stateless runs', async () => {
    const a = await sandbox.openSession();
    const b = await sandbox.openSession();
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect((await sandbox.run({ code: 'x = 40', sessionId: a })).status).toBe('ok');
    expect((await sandbox.run({ code: 'x = 1', sessionId: b })).status).toBe('ok');
    expect((await sandbox.run({ code: 'x += 2\nprint(x)', sessionId: a })).stdout).toBe('42\n');
    expect((await sandbox.run({ code: 'print(x)', sessionId: b })).stdout).toBe('1\n');
    const stateless = await sandbox.run({ code: 'print(x)' });
    expect(stateless.status).toBe('error');
    expect(stateless.stderr).toMatch(/NameError/);
    expect(await sandbox.client.closeSession(a)).toBe(true);
    expect(await sandbox.client.closeSession(b)).toBe(true);
    expect(await sandbox.client.closeSession(a)).toBe(false);
  });

  it('a timed-out cell ends the interpreter and the next cell says it restarted', async () => {
    const id = await sandbox.openSession();
    await sandbox.run({ code: 'y = 5', sessionId: id });
    const stuck = await sandbox.run({ code: 'while True:\n    pass', sessionId: id, limits: { timeoutMs: 800 } });
    expect(stuck.status).toBe('timeout');
    const next = await sandbox.run({ code: 'print(y)', sessionId: id });
    expect(next.status).toBe('error');
    expect(next.sessionRestarted).toBe(true);
    expect(await sandbox.metric('sandbox_session_restarts_total')).toBe(1);
    expect(next.stderr).toMatch(
      /^\[sandbox\] the interpreter restarted \(a previous cell ended it: timeout\); earlier variables are gone\n/,
    );
    expect((await sandbox.run({ code: 'print(1)', sessionId: id })).sessionRestarted).toBeUndefined();
    expect(await sandbox.client.closeSession(id)).toBe(true);
  });

  it('reclaims sessions idle past the TTL (a killed caller never closes its own): the id is then unknown', async () => {
    const id = await sandbox.openSession();
    await sandbox.run({ code: 'z = 1', sessionId: id });
    expect(await sandbox.metric('sandbox_sessions')).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await expect(sandbox.run({ code: 'print(z)', sessionId: id })).rejects.toThrow(UnknownSessionError);
    expect(await sandbox.metric('sandbox_sessions')).toBe(0);
    expect(await sandbox.client.closeSession(id)).toBe(false);
  });

  it('sessions belong to their creator: another caller can neither use nor close them', async () => {
    const id = await sandbox.openSession();
    await sandbox.run({ code: 'secret = "mine"', sessionId: id });
    const other = sandbox.clientWith(OTHER_TOKEN);
    await expect(other.run({ code: 'print(secret)', sessionId: id })).rejects.toThrow(UnknownSessionError);
    expect(await other.closeSession(id)).toBe(false);
    await expect(sandbox.run({ code: 'print(1)', sessionId: 'chosen-by-the-caller' })).rejects.toThrow(UnknownSessionError);
    expect((await sandbox.run({ code: 'print(secret)', sessionId: id })).stdout).toBe('mine\n');
    expect(await sandbox.client.closeSession(id)).toBe(true);
  });

  it('a request without a known token is refused (401), and policy comes from the token, not the request', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: TEST_TOKEN }] as Record<
      string,
      string
    >[]) {
      const res = await fetch(`${sandbox.url}/v1/execute`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ code: 'print(1)' }),
      });
      expect(res.status).toBe(401);
    }
    const open = await fetch(`${sandbox.url}/v1/sessions`, { method: 'POST' });
    expect(open.status).toBe(401);
    const other = sandbox.clientWith(OTHER_TOKEN);
    await expect(other.run({ code: 'print(1)', allowSubprocesses: true })).rejects.toThrow(SandboxAuthError);
    await expect(other.run({ code: 'print(1)', allowSubprocesses: true })).rejects.toThrow(/allowSubprocesses: caller other may not/);
    expect((await other.run({ code: 'print(1)' })).stdout).toBe('1\n');
    // The grader's token is configured by its hash only.
    expect((await sandbox.clientWith(HASHED_TOKEN).run({ code: 'print(2)' })).stdout).toBe('2\n');
    expect((await fetch(`${sandbox.url}/healthz`)).status).toBe(200);
  });

  it('answers busy when a request waited past the queue timeout', async () => {
    const hogs = [0, 1].map(() => sandbox.run({ code: 'import time\ntime.sleep(1.5)' }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const waited = await fetch(`${sandbox.url}/v1/execute`, { method: 'POST', headers: AUTH, body: JSON.stringify({ code: 'print(1)' }) });
    expect(waited.status).toBe(503);
    expect(((await waited.json()) as { stderr: string }).stderr).toMatch(/waited 500 ms/);
    await Promise.all(hogs);
  });

  it('a fork server killed from outside is replaced; the running request gets sandbox_error', async () => {
    const before = IS_ROOT ? await processesOfUids(UID, UID + 1) : [];
    const pending = sandbox.run({ code: 'import time\nprint("started", flush=True)\ntime.sleep(5)' });
    await new Promise((resolve) => setTimeout(resolve, 400));
    // The only process of these uids running python with the fork-server script is the server itself.
    const killed = await killOneForkServer(UID, UID + 1);
    expect(killed).toBe(true);
    const results = await Promise.all([pending, sandbox.run({ code: 'print(1)' })]);
    expect(results[0].status).toBe('sandbox_error');
    expect(results[0].stderr).toMatch(/fork server exited/);
    expect(results[1].status).toBe('ok');
    for (let i = 0; i < 100 && (await sandbox.metric('sandbox_worker_restarts_total')) === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await sandbox.metric('sandbox_worker_restarts_total')).toBe(1);
    for (let i = 0; i < 200 && (await sandbox.metric('sandbox_pool_workers', { state: 'idle' })) < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (let i = 0; i < 4; i++) expect(await sandbox.healthy()).toBe(true);
    // The sleeping snippet died with its fork server (same number of sandbox processes as before).
    if (IS_ROOT) expect((await processesOfUids(UID, UID + 1)).length).toBe(before.length);
  });

  it('a client that goes away cancels its execution', async () => {
    const controller = new AbortController();
    const started = sandbox.client.run({ code: 'import time\ntime.sleep(30)' }, controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort(new Error('caller gave up'));
    await expect(started).rejects.toThrow('caller gave up');
    for (let i = 0; i < 100 && (await sandbox.metric('sandbox_executions_total', { status: 'killed' })) === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await sandbox.metric('sandbox_executions_total', { status: 'killed' })).toBe(1);
    expect(await sandbox.healthy()).toBe(true);
  });

  it('healthz reports the pool and the verified isolation layers', async () => {
    const response = await fetch(`${sandbox.url}/healthz`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      status: string;
      isolation: { seccomp: { active: boolean } };
      pool: { workers: { idle: number } };
    };
    expect(body.status).toBe('ok');
    expect(body.isolation.seccomp.active).toBe(true);
    const metrics = await (await fetch(`${sandbox.url}/metrics`)).text();
    expect(metrics).toContain('sandbox_execution_duration_seconds_bucket');
    expect(metrics).toContain('sandbox_isolation_layer_active{layer="seccomp"} 1');
  });
});

/** SIGKILLs the python fork server (not bwrap) of one slot. */
async function killOneForkServer(uidFrom: number, uidTo: number): Promise<boolean> {
  const { readFile } = await import('node:fs/promises');
  for (const pid of await processesOfUids(IS_ROOT ? uidFrom : process.getuid!(), IS_ROOT ? uidTo : process.getuid!())) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const [exe, ...args] = cmdline.split('\0');
    if (exe?.endsWith('python3') && args.some((arg) => arg.endsWith('fork_server.py'))) {
      const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
      if (children.trim() === '') continue; // pick the one running the sleeping snippet
      process.kill(pid, 'SIGKILL');
      return true;
    }
  }
  return false;
}
