import { expect, test } from 'vitest';
import { createStatusCache } from './status-cache.ts';

test('concurrent readers share one computation; entries expire, can be invalidated, and failures are not kept', async () => {
  let clock = 0;
  let computed = 0;
  const cache = createStatusCache({ ttlMs: 5000, now: () => clock });
  const compute = async () => ++computed;
  expect(await Promise.all([cache.get('c1/detail', compute), cache.get('c1/detail', compute)])).toEqual([1, 1]);
  clock = 4999;
  expect(await cache.get('c1/detail', compute)).toBe(1);
  clock = 5000;
  expect(await cache.get('c1/detail', compute)).toBe(2);
  cache.invalidate('c1');
  expect(await cache.get('c1/detail', compute)).toBe(3);
  await expect(cache.get('c2/detail', async () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
  expect(await cache.get('c2/detail', compute)).toBe(4);
  const off = createStatusCache({ ttlMs: 0 });
  expect(await off.get('x', compute)).toBe(5);
  expect(await off.get('x', compute)).toBe(6);
});
