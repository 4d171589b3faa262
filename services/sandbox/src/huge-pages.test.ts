import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from './sandbox-test-fixture.ts';

/**
 * A warm fork server collapses its heap into 2 MiB pages before forking (fewer page-table
 * entries to copy per fork and to drop per exit) and reports how much. A child's writes copy
 * only the 4 KiB they touch, so what one child changes never reaches the next.
 */
const THP_IN_KERNEL = existsSync('/sys/kernel/mm/transparent_hugepage/enabled');
const HUGE_KB = [
  'import re',
  'rollup = open("/proc/self/smaps_rollup").read()',
  'print(int(re.search(r"AnonHugePages:\\s+(\\d+)", rollup).group(1)))',
  '# numpy: run on the warm fork server',
].join('\n');

let collapsed: RunningSandbox;
let smallPages: RunningSandbox;

beforeAll(async () => {
  [collapsed, smallPages] = await Promise.all([
    startSandbox({ poolSize: 1, sandboxUid: 20_701 }),
    startSandbox({ poolSize: 1, sandboxUid: 20_711, hugePages: false }),
  ]);
});
afterAll(async () => Promise.all([collapsed?.close(), smallPages?.close()]));

describe('huge pages in the warm fork server', () => {
  it('the warm fork server starts with its heap in 2 MiB pages; its children compute as before', async () => {
    const hugeBytes = await collapsed.metric('sandbox_fork_server_huge_pages_bytes', { slot: '0' });
    // A kernel without THP leaves the heap as it was (the fork server logs why).
    if (THP_IN_KERNEL) expect(hugeBytes).toBeGreaterThanOrEqual(8 << 20);
    else expect(hugeBytes).toBe(0);
    const sympy = await collapsed.run({ code: 'import sympy\nx = sympy.Symbol("x")\nprint(sympy.solve(x**2 - 4, x))' });
    expect(sympy).toMatchObject({ status: 'ok', stdout: '[-2, 2]\n' });
    const numpy = await collapsed.run({ code: 'import numpy\nprint(numpy.linalg.det(numpy.eye(3) * 2))' });
    expect(numpy).toMatchObject({ status: 'ok', stdout: '7.999999999999998\n' });
  });

  it('a child writing to the shared heap does not disturb the next child', async () => {
    // Mutates module state the fork server warmed (sympy's cache, numpy's print options).
    const dirty = await collapsed.run({
      code: 'import numpy, sympy\nnumpy.set_printoptions(precision=1)\nsympy.core.cache.clear_cache()\nx = sympy.Symbol("x")\nsympy.x_leak = 1\nprint(numpy.array([1.23456]))',
    });
    expect(dirty).toMatchObject({ status: 'ok', stdout: '[1.2]\n' });
    const clean = await collapsed.run({ code: 'import numpy, sympy\nprint(numpy.array([1.23456]), hasattr(sympy, "x_leak"))' });
    expect(clean).toMatchObject({ status: 'ok', stdout: '[1.23456] False\n' });
  });

  it('stays on small pages when configured off', async () => {
    expect(await smallPages.metric('sandbox_fork_server_huge_pages_bytes', { slot: '0' })).toBe(0);
    // The child's own view of the mapping it shares with its fork server.
    const result = await smallPages.run({ code: HUGE_KB });
    expect(result).toMatchObject({ status: 'ok', stdout: '0\n' });
  });
});
