import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createComparePool } from './compare-pool.ts';
import { writeStubbornCompareWorker } from './stubborn-compare-worker.ts';

const dir = mkdtempSync(join(tmpdir(), 'rft-compare-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stubbornWorker = (): URL => writeStubbornCompareWorker(dir);

describe('compare pool', () => {
  it('compares in worker threads', async () => {
    const pool = createComparePool({ workers: 2, timeoutMs: 10_000 });
    try {
      const results = await Promise.all([pool.compare('\\frac{1}{2}', '0.5'), pool.compare('x^2-1', '(x-1)(x+1)'), pool.compare('3', '4')]);
      expect(results.map((r) => r.equal)).toEqual([true, true, false]);
      expect(pool.stats()).toMatchObject({ completed: 3, timeouts: 0 });
    } finally {
      await pool.close();
    }
  });

  it('kills a hung comparison, reports grader timeout and keeps serving', async () => {
    const pool = createComparePool({ workers: 1, timeoutMs: 1500, workerUrl: stubbornWorker() });
    try {
      const hung = pool.compare('hang', '1');
      const after = pool.compare('2', '2.0');
      expect(await hung).toMatchObject({ equal: false, undecided: 'timeout' });
      expect(await after).toMatchObject({ equal: true });
      const crashed = await pool.compare('die', '1');
      expect(crashed).toMatchObject({ equal: false, undecided: 'crash' });
      expect(await pool.compare('5', '5')).toMatchObject({ equal: true });
      expect(pool.stats()).toMatchObject({ timeouts: 1, crashes: 1, workers: 1 });
    } finally {
      await pool.close();
    }
  });

  it('a comparison that exhausts its heap kills only its worker', async () => {
    const pool = createComparePool({ workers: 1, timeoutMs: 20_000, maxHeapMb: 48, workerUrl: stubbornWorker() });
    try {
      const r = await pool.compare('oom', '1');
      expect(r).toMatchObject({ equal: false, undecided: 'crash' });
      expect(await pool.compare('7', '7.0')).toMatchObject({ equal: true });
    } finally {
      await pool.close();
    }
  });

  it('fails fast when the worker cannot start', async () => {
    const file = join(dir, 'broken-worker.ts');
    writeFileSync(file, "throw new Error('cannot load');\n");
    const pool = createComparePool({ workers: 1, timeoutMs: 5000, workerUrl: pathToFileURL(file) });
    try {
      const r = await pool.compare('1', '1');
      expect(r).toMatchObject({ equal: false, undecided: 'crash' });
      expect(r.detail).toMatch(/failed to start/);
      expect(pool.stats().broken).toMatch(/cannot load/);
    } finally {
      await pool.close();
    }
  });

  it('refuses work after close', async () => {
    const pool = createComparePool({ workers: 1 });
    await pool.close();
    await expect(pool.compare('1', '1')).rejects.toThrow(/closed/);
  });
});
