import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from './sandbox-test-fixture.ts';

/** Hundreds of interpreter sessions on one fork server: one per trajectory in flight. */
const SESSIONS = 256; // the default per fork server: 512 with the default two
const BATCH = 32;

/** Runs `each` over `items` BATCH at a time (the queue holds fewer than SESSIONS requests). */
async function inBatches<T, R>(items: T[], each: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += BATCH)
    out.push(...(await Promise.all(items.slice(i, i + BATCH).map((item, j) => each(item, i + j)))));
  return out;
}
let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ poolSize: 1, sandboxUid: 20_501, sessions: { maxPerWorker: SESSIONS } });
}, 120_000);
afterAll(async () => sandbox?.close());

describe('session capacity', () => {
  it(`keeps ${SESSIONS} sessions alive on one fork server, each with its own state`, async () => {
    const ids = await inBatches(Array.from({ length: SESSIONS }), () => sandbox.openSession());
    expect(new Set(ids).size).toBe(SESSIONS);
    const first = await inBatches(ids, (sessionId, i) => sandbox.run({ code: `mine = ${i}`, sessionId }));
    expect(first.every((r) => r.status === 'ok')).toBe(true);
    expect(await sandbox.metric('sandbox_sessions')).toBe(SESSIONS);
    const second = await inBatches(ids, (sessionId) => sandbox.run({ code: 'print(mine)', sessionId }));
    expect(second.map((r) => r.stdout)).toEqual(ids.map((_, i) => `${i}\n`));
    expect(second.some((r) => r.sessionRestarted)).toBe(false);
    await inBatches(ids, (id) => sandbox.client.closeSession(id));
    expect(await sandbox.metric('sandbox_sessions')).toBe(0);
    expect(await sandbox.healthy()).toBe(true);
  }, 300_000);
});
