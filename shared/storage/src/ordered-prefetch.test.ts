import { expect, test } from 'vitest';
import { prefetchOrdered } from './ordered-prefetch.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function tracked(delayOf: (item: number) => number, fail?: number) {
  const state = { running: 0, most: 0, started: [] as number[] };
  const fetch = async (item: number) => {
    state.started.push(item);
    state.running++;
    state.most = Math.max(state.most, state.running);
    await sleep(delayOf(item));
    state.running--;
    if (item === fail) throw new Error(`object ${item} is missing`);
    return item * 10;
  };
  return { state, fetch };
}

async function collect<R>(source: AsyncIterable<R>): Promise<R[]> {
  const out: R[] = [];
  for await (const value of source) out.push(value);
  return out;
}

test('yields results in item order although later fetches finish first', async () => {
  const items = Array.from({ length: 20 }, (_, i) => i);
  const { state, fetch } = tracked((i) => (i % 3 === 0 ? 15 : 1));
  expect(await collect(prefetchOrdered(items, fetch, 4))).toEqual(items.map((i) => i * 10));
  expect(state.most).toBe(4);
  expect(state.started).toEqual(items);
});

test('never has more than the window in flight, and a window of 1 is one at a time', async () => {
  const items = Array.from({ length: 9 }, (_, i) => i);
  const one = tracked(() => 2);
  await collect(prefetchOrdered(items, one.fetch, 1));
  expect(one.state.most).toBe(1);
  const wide = tracked(() => 2);
  await collect(prefetchOrdered(items, wide.fetch, 100));
  expect(wide.state.most).toBe(items.length);
});

test('a failure surfaces in order, after the results before it, with no unhandled rejection', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    // Item 5 fails at once while item 0 is still being fetched.
    const { fetch } = tracked((i) => (i === 0 ? 30 : 1), 5);
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const value of prefetchOrdered([0, 1, 2, 3, 4, 5, 6], fetch, 8)) seen.push(value);
      })(),
    ).rejects.toThrow('object 5 is missing');
    expect(seen).toEqual([0, 10, 20, 30, 40]);
    await sleep(20);
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('a consumer that stops early starts no further fetches, and none is left running', async () => {
  const items = Array.from({ length: 50 }, (_, i) => i);
  const { state, fetch } = tracked((i) => (i === 3 ? 30 : 1));
  for await (const value of prefetchOrdered(items, fetch, 3)) if (value === 10) break;
  expect(state.running).toBe(0);
  const started = state.started.length;
  expect(started).toBeLessThanOrEqual(2 + 3);
  await sleep(40);
  expect(state.started.length).toBe(started);
});

test('a failure waits for the calls still running before it surfaces', async () => {
  const { state, fetch } = tracked((i) => (i === 2 ? 40 : 1), 1);
  await expect(collect(prefetchOrdered([0, 1, 2, 3], fetch, 4))).rejects.toThrow('object 1 is missing');
  expect(state.running).toBe(0);
});

test('refuses a window that is not a positive integer', async () => {
  await expect(collect(prefetchOrdered([1], async (x) => x, 0))).rejects.toThrow('window: must be a positive integer, got 0');
});
