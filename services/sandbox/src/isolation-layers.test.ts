import { describe, expect, it } from 'vitest';
import type { ExecutionResult } from '@rft/contracts';
import { pino } from 'pino';
import { createSandboxService } from './service.ts';
import { IS_ROOT, startSandbox, TEST_TOKEN } from './sandbox-test-fixture.ts';

/**
 * Each isolation layer on its own: the layer is reported exactly when enabled, and it alone
 * stops what it is meant to stop (the first case shows the probes are not vacuous: with every
 * optional layer off, the same snippets get through).
 */
const PROBE = [
  'import os, socket',
  'def attempt(name, fn):',
  '    try:',
  '        fn()',
  '        print(name, "allowed")',
  '    except OSError as e:',
  '        print(name, "denied", e.errno)',
  'attempt("socket", lambda: socket.socket().close())',
  'attempt("connect", lambda: socket.create_connection(("127.0.0.1", 6379), timeout=2).close())',
  'attempt("write-tmp", lambda: open("/tmp/layer-probe-%d" % os.getpid(), "w").close())',
  'attempt("write-etc", lambda: open("/etc/layer-probe", "w").close())',
  'attempt("big-file", lambda: open("f", "wb").write(b"0" * (32 << 20)))',
  'print("host", socket.gethostname())',
].join('\n');

function lines(result: ExecutionResult): Record<string, string> {
  return Object.fromEntries(
    result.stdout
      .trim()
      .split('\n')
      .map((line) => {
        const [name, ...rest] = line.split(' ');
        return [name!, rest.join(' ')];
      }),
  );
}

async function probeWith(layers: { seccomp: 'off' | 'require'; landlock: 'off' | 'require'; bwrap: 'off' | 'require' }, uid: number) {
  const sandbox = await startSandbox({ poolSize: 1, sandboxUid: uid, layers, fileSizeMb: 16 });
  try {
    const result = await sandbox.run({ code: PROBE, limits: { timeoutMs: 10_000 } });
    // Remove what an unconfined run may have left in /tmp.
    await sandbox.run({ code: 'import glob, os\nfor p in glob.glob("/tmp/layer-probe-*"):\n    os.unlink(p)' });
    return { isolation: sandbox.isolation, seen: lines(result) };
  } finally {
    await sandbox.close();
  }
}

describe('isolation layers one at a time', () => {
  it('no optional layer: uid drop and rlimits only, and the probes get through', async () => {
    const { isolation, seen } = await probeWith({ seccomp: 'off', landlock: 'off', bwrap: 'off' }, 21_001);
    expect([isolation.seccomp.active, isolation.landlock.active, isolation.bwrap.active]).toEqual([false, false, false]);
    expect(isolation.summary).not.toMatch(/seccomp|landlock|bwrap/);
    expect(seen['socket']).toBe('allowed');
    expect(seen['write-tmp']).toBe('allowed');
    expect(seen['big-file']).toBe('denied 27'); // EFBIG: rlimits are always on
    if (IS_ROOT) expect(seen['write-etc']).toBe('denied 13'); // EACCES: dedicated uid
  });

  it('seccomp alone denies sockets', async () => {
    const { isolation, seen } = await probeWith({ seccomp: 'require', landlock: 'off', bwrap: 'off' }, 21_011);
    expect([isolation.seccomp.active, isolation.landlock.active, isolation.bwrap.active]).toEqual([true, false, false]);
    expect(seen['socket']).toBe('denied 1'); // EPERM
    expect(seen['connect']).toBe('denied 1');
    expect(seen['write-tmp']).toBe('allowed');
  });

  it('Landlock alone denies TCP connect and writes outside the work dir', async () => {
    const { isolation, seen } = await probeWith({ seccomp: 'off', landlock: 'require', bwrap: 'off' }, 21_021);
    expect([isolation.seccomp.active, isolation.landlock.active, isolation.bwrap.active]).toEqual([false, true, false]);
    expect(seen['socket']).toBe('allowed');
    if (isolation.landlock.abi >= 4) expect(seen['connect']).toBe('denied 13'); // EACCES from the TCP rule
    expect(seen['write-tmp']).toBe('denied 13');
  });

  it('bubblewrap alone: own network namespace, read-only root, private /tmp', async (context) => {
    const sandbox = await startSandbox({
      poolSize: 1,
      sandboxUid: 21_031,
      layers: { seccomp: 'off', landlock: 'off', bwrap: 'auto' },
    }).catch((error: unknown) => error as Error);
    if (sandbox instanceof Error) throw sandbox;
    const active = sandbox.isolation.bwrap.active;
    await sandbox.close();
    if (!active) {
      context.skip(`bubblewrap unavailable here: ${sandbox.isolation.bwrap.detail}`);
      return;
    }
    const { isolation, seen } = await probeWith({ seccomp: 'off', landlock: 'off', bwrap: 'require' }, 21_031);
    expect([isolation.seccomp.active, isolation.landlock.active, isolation.bwrap.active]).toEqual([false, false, true]);
    expect(seen['socket']).toBe('allowed');
    expect(seen['connect']).toBe('denied 111'); // ECONNREFUSED: nothing listens on the private loopback
    expect(seen['write-etc']).toMatch(/^denied (30|13)$/); // EROFS (or EACCES)
    expect(seen['host']).toBe('sandbox');
  });

  it('refuses to start when a required layer is missing, naming it', async () => {
    // Without dist-packages on sys.path the interpreter cannot import libseccomp's binding.
    const service = createSandboxService(
      {
        callers: { [TEST_TOKEN]: { caller: 'test' } },
        port: 0,
        poolSize: 1,
        sandboxUid: 21_041,
        allowSameUid: !IS_ROOT,
        warm: false,
        extraSysPath: [],
        layers: { seccomp: 'require', landlock: 'off', bwrap: 'off' },
      },
      { logger: pino({ level: 'silent' }) },
    );
    await expect(service.start()).rejects.toThrow(/seccomp: required but not active: python3-seccomp/);
    await service.close();
  });
});
