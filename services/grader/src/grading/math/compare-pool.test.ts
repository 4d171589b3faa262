import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createComparePool } from './compare-pool.ts';

const dir = mkdtempSync(join(tmpdir(), 'rft-compare-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The real worker, except that the gold `hang` spins forever and `die` kills the thread. */
function stubbornWorker(): URL {
  const real = new URL('./compare-worker.ts', import.meta.url).href;
  const file = join(dir, 'stubborn-worker.ts');
  writeFileSync(
    file,
    `import { parentPort } from 'node:worker_threads';
const { compareAnswers } = await import(${JSON.stringify(real.replace('compare-worker.ts', 'answer-compare.ts'))});
parentPort.on('message', (task) => {
  if (task.gold === 'hang') for (;;) {}
  if (task.gold === 'die') process.exit(3);
  parentPort.postMessage({ id: task.id, result: compareAnswers(task.gold, task.pred, task.options) });
});
`,
  );
  return pathToFileURL(file);
}

describe('compare pool', () => {
  it('compares in worker threads', async () => {
    const pool = createComparePool({ workers: 2, timeoutMs: 10_000 });
    try {
      const results = await Promise.all([
        pool.compare('\\frac{1}{2}', '0.5'),
        pool.compare('x^2-1', '(x-1)(x+1)'),
        pool.compare('3', '4'),
      ]);
      expect(results.map((r) => r.equal)).toEqual([true, true, false]);
      expect(pool.stats()).toMatchObject({ completed: 3, timeouts: 0 });
    } finally {
      await pool.close();
    }
  });

  it('kills a hung comparison, reports grader timeout and keeps serving', async () => {
    const pool = createComparePool({ workers: 1, timeoutMs: 300, workerUrl: stubbornWorker() });
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

  it('refuses work after close', async () => {
    const pool = createComparePool({ workers: 1 });
    await pool.close();
    await expect(pool.compare('1', '1')).rejects.toThrow(/closed/);
  });
});
