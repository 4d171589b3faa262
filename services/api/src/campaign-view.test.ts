import { expect, test } from 'vitest';
import { rateWindowSeconds } from './campaign-view.ts';

test('the rate window is the campaign age while it is younger than 5 minutes, and never under 10 s', () => {
  const now = new Date('2026-01-01T12:00:00Z');
  const ago = (s: number) => new Date(now.getTime() - s * 1000);
  // 22 s in: samples are divided by 22 s, not by 300 s (which made the ETA 14 times too long).
  expect(rateWindowSeconds(ago(22), now)).toBe(22);
  expect(rateWindowSeconds(ago(2), now)).toBe(10);
  expect(rateWindowSeconds(ago(3600), now)).toBe(300);
});
