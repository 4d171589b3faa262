import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { missingSandboxNodeFlags, SANDBOX_NODE_FLAGS } from './node-flags.ts';

// Allocates steadily with some survivors (as requests in flight do), then prints the size V8 gave
// its young generation.
const YOUNG_GENERATION_PROBE = `
  const v8 = require('node:v8');
  const keep = [];
  for (let round = 0; round < 100; round++) {
    for (let i = 0; i < 20000; i++) keep.push({ i, s: 'x' + i });
    if (keep.length > 200000) keep.splice(0, 100000);
  }
  const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  console.log(young.space_size);
`;

function youngGenerationBytes(flags: readonly string[]): number {
  return Number(
    execFileSync(process.execPath, [...flags, '-e', YOUNG_GENERATION_PROBE], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '' },
    }),
  );
}

describe('sandbox Node flags', () => {
  test('cap the young generation V8 would otherwise grow under a steady allocation rate', () => {
    const capped = youngGenerationBytes(SANDBOX_NODE_FLAGS);
    const uncapped = youngGenerationBytes([]);
    expect(capped).toBeLessThanOrEqual(32 * 2 ** 20);
    expect(uncapped).toBeGreaterThan(capped);
  });

  test('npm start passes them (the k8s and compose tests check theirs)', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { scripts: { start: string } };
    expect(pkg.scripts.start).toBe(['node', ...SANDBOX_NODE_FLAGS, 'src/main.ts'].join(' '));
  });

  test('a process started without them is told which are missing, from argv or NODE_OPTIONS', () => {
    expect(missingSandboxNodeFlags([], undefined)).toEqual([...SANDBOX_NODE_FLAGS]);
    expect(missingSandboxNodeFlags([...SANDBOX_NODE_FLAGS], undefined)).toEqual([]);
    expect(missingSandboxNodeFlags([], ` --enable-source-maps  ${SANDBOX_NODE_FLAGS.join(' ')}`)).toEqual([]);
    expect(missingSandboxNodeFlags(['--max-semi-space-size=64'], undefined)).toEqual([...SANDBOX_NODE_FLAGS]);
  });
});
