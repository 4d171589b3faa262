import { createTestEnv, type TestEnv } from '@rft/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createDb } from './create-db.ts';
import { pingDatabase, tryTransactionLock } from './connection-checks.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env.cleanup());

test('one transaction at a time holds a lock key; it is free again once that transaction ends', async () => {
  const key = 42_000_000_001n;
  await env.db.transaction().execute(async (leader) => {
    expect(await tryTransactionLock(leader, key)).toBe(true);
    await env.db.transaction().execute(async (other) => {
      expect(await tryTransactionLock(other, key)).toBe(false);
      expect(await tryTransactionLock(other, key + 1n)).toBe(true);
    });
  });
  expect(await env.db.transaction().execute((tx) => tryTransactionLock(tx, key))).toBe(true);
});

test('the ping resolves against a live database and rejects against one that is unreachable', async () => {
  await expect(pingDatabase(env.db)).resolves.toBeUndefined();
  const unreachable = createDb({ url: 'postgres://postgres@127.0.0.1:1/none' });
  try {
    await expect(pingDatabase(unreachable)).rejects.toThrow(/ECONNREFUSED/);
  } finally {
    await unreachable.destroy();
  }
});
