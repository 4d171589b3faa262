import { describe, expect, it } from 'vitest';
import { InputError } from '@rft/contracts';
import { resolveLimits } from './execution-limits.ts';
import { parseSandboxConfig } from './sandbox-config.ts';

const config = parseSandboxConfig({ callers: { 'unit-test-token-0123456789': { caller: 'test' } } });

describe('resolveLimits', () => {
  it('fills defaults: 10 s wall, CPU = wall rounded up + 1 s, 1 GiB, 16 KiB kept', () => {
    expect(resolveLimits(undefined, config)).toEqual({
      timeoutMs: 10_000,
      cpuSeconds: 11,
      memoryMb: 1024,
      maxOutputBytes: 16 * 1024,
      captureCapBytes: 1024 * 1024,
      fileSizeMb: 16,
      openFiles: 64,
      processes: 64,
    });
  });

  it('keeps requested limits within the maxima and raises the capture cap to the kept size', () => {
    const limits = resolveLimits({ timeoutMs: 2_500, memoryMb: 512, maxOutputBytes: 4 * 1024 * 1024 }, config);
    expect(limits).toMatchObject({ timeoutMs: 2_500, cpuSeconds: 4, memoryMb: 512, maxOutputBytes: 4 * 1024 * 1024 });
    expect(limits.captureCapBytes).toBe(4 * 1024 * 1024);
  });

  it('rejects limits above the maxima or below the memory floor, naming each field', () => {
    try {
      resolveLimits({ timeoutMs: 500_000, cpuSeconds: 300, memoryMb: 100 }, config);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).problems).toEqual([
        'limits.timeoutMs: 500000 is above the server maximum 120000',
        'limits.cpuSeconds: 300 is above the server maximum 121',
        'limits.memoryMb: 100 is below the server minimum 384',
      ]);
    }
  });
});
