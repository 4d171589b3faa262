import { getEventListeners } from 'node:events';
import { expect, test } from 'vitest';
import { withDeadline } from './abort-deadline.ts';

const never = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));

test('aborts with a TimeoutError when the deadline passes', async () => {
  await expect(withDeadline(new AbortController().signal, 20, never)).rejects.toMatchObject({ name: 'TimeoutError' });
});

test('aborts with the parent reason when the parent aborts first', async () => {
  const parent = new AbortController();
  const pending = withDeadline(parent.signal, 60_000, never);
  parent.abort(new Error('shutting down'));
  await expect(pending).rejects.toThrow('shutting down');
});

test('leaves no listener on the parent and no timer behind once settled', async () => {
  const parent = new AbortController();
  const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  for (let i = 0; i < 100; i++) await withDeadline(parent.signal, 60_000, async () => i);
  expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  // Each call would otherwise keep a 60 s timer alive.
  const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  expect(timersAfter - timersBefore).toBeLessThan(5);
});
