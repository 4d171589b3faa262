import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from './sandbox-test-fixture.ts';

/**
 * A snippet runs in the process that reports its end, so nothing it writes may decide its
 * status: the READY byte, the exit status and the fork server's timers do. Each case is a
 * forgery a snippet can attempt.
 */
const FORGED_LINES = ['{"rc":0,"setupError":"x"}', '{"rc":0,"memory":true}', 'R', '\\nR 0 1 0.0'];

function writeOnStatusFds(extra = ''): string {
  const lines = FORGED_LINES.map((line) => JSON.stringify(`${line}\n`)).join(', ');
  return `import os\nfor line in (${lines}):\n    for fd in range(3, 8):\n        try:\n            os.write(fd, line.encode())\n        except OSError:\n            pass\n${extra}`;
}

let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ poolSize: 1, sandboxUid: 20_301 });
});

afterAll(async () => {
  await sandbox?.close();
});

describe('status forgery', () => {
  it('stateless: a forged setupError or memory line changes nothing; the exit status decides', async () => {
    const ok = await sandbox.run({ code: writeOnStatusFds('print("done")') });
    expect(ok).toMatchObject({ status: 'ok', exitCode: 0, stdout: 'done\n' });
    const failed = await sandbox.run({ code: writeOnStatusFds('raise SystemExit(3)') });
    expect(failed).toMatchObject({ status: 'error', exitCode: 3 });
  });

  it('stateless: the status pipe is closed before the snippet runs', async () => {
    const r = await sandbox.run({ code: 'import os\ntry:\n    os.fstat(3)\n    print("open")\nexcept OSError as e:\n    print(e.errno)' });
    expect(r.stdout).toBe('9\n'); // EBADF
  });

  it('a real MemoryError is still reported as memory', async () => {
    const r = await sandbox.run({ code: 'x = bytearray(8 * 1024 ** 3)', limits: { memoryMb: 512 } });
    expect(r.status).toBe('memory');
  });

  it('session: forged lines on the status pipe neither end the cell nor shift output', async () => {
    const sessionId = await sandbox.openSession();
    const first = await sandbox.run({ sessionId, code: writeOnStatusFds('print("a")\nimport time; time.sleep(0.2)\nprint("b")') });
    expect(first).toMatchObject({ status: 'ok', stdout: 'a\nb\n' });
    const second = await sandbox.run({ sessionId, code: 'print("c")' });
    expect(second).toMatchObject({ status: 'ok', stdout: 'c\n' });
    const memory = await sandbox.run({ sessionId, code: writeOnStatusFds('raise ValueError("v")') });
    expect(memory.status).toBe('error');
    expect(memory.stderr).toMatch(/ValueError: v/);
  });

  it('session: a snippet that steals its nonce and runs on gets its session reset, never shifted output', async () => {
    const sessionId = await sandbox.openSession();
    await sandbox.run({ sessionId, code: 'kept = 1' });
    // Finds the loop's nonce in the caller's frame, reports its own end, then keeps printing.
    const steal =
      'import os, sys, time\nnonce = sys._getframe(2).f_locals["nonce"]\nos.write(3, ("\\n%s 0 0 0.0\\n" % nonce).encode())\ntime.sleep(0.3)\nprint("late")';
    const forged = await sandbox.run({ sessionId, code: steal });
    expect(forged.stdout).not.toContain('late');
    const next = await sandbox.run({ sessionId, code: 'print("next")' });
    expect(next.stdout).not.toContain('late');
    expect(next.status).toBe('error');
    expect(next.stderr).toMatch(/forged its end-of-cell frame/);
    const fresh = await sandbox.run({ sessionId, code: 'print("kept" in globals())' });
    expect(fresh.stdout).toBe('False\n');
    expect(await sandbox.healthy()).toBe(true);
  });

  it('session: flooding the status pipe leaves the fork server memory flat', async () => {
    await sandbox.run({ code: 'print(1)' });
    const before = await sandbox.metric('sandbox_fork_server_rss_bytes');
    const sessionId = await sandbox.openSession();
    const flood = 'import os\nchunk = b"x" * 65536\nfor _ in range(4096):\n    os.write(3, chunk)\nprint("flooded")';
    const r = await sandbox.run({ sessionId, code: flood, limits: { timeoutMs: 60_000 } });
    expect(r).toMatchObject({ status: 'ok', stdout: 'flooded\n' });
    const after = await sandbox.metric('sandbox_fork_server_rss_bytes');
    expect(before).toBeGreaterThan(0);
    // 256 MiB went through the pipe; the fork server keeps at most a 1 KiB window of it.
    expect(after - before).toBeLessThan(32 * 1024 * 1024);
    expect((await sandbox.run({ sessionId, code: 'print(2)' })).stdout).toBe('2\n');
  });
});

describe('frozen sessions', () => {
  it('a background thread burns no CPU between cells', async () => {
    const sessionId = await sandbox.openSession();
    const start = await sandbox.run({
      sessionId,
      code: 'import threading, time\ndef spin():\n    while True:\n        pass\nthreading.Thread(target=spin, daemon=True).start()\ntime.sleep(0.2)\nprint(time.process_time())',
    });
    expect(start.status).toBe('ok');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const later = await sandbox.run({ sessionId, code: 'import time\nprint(time.process_time())' });
    const between = Number(later.stdout) - Number(start.stdout);
    // Running, the thread would have used up to 2 s of CPU between the two cells.
    expect(between).toBeLessThan(0.2);
  });
});

describe('spare children', () => {
  it('a request is served by a child forked and confined before it arrived, pristine all the same', async () => {
    await sandbox.run({ code: 'import sympy\nsympy.solve = None\nprint(1)' });
    await new Promise((resolve) => setTimeout(resolve, 600));
    const age =
      'import os, time\nstart = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[19])\nprint(time.clock_gettime(time.CLOCK_BOOTTIME) - start / os.sysconf("SC_CLK_TCK"))';
    const r = await sandbox.run({ code: age });
    expect(r.status).toBe('ok');
    expect(Number(r.stdout)).toBeGreaterThan(0.4);
    const pristine = await sandbox.run({ code: 'import sympy\nprint(callable(sympy.solve))' });
    expect(pristine.stdout).toBe('True\n');
    // Other limits than the spare's: a child is forked for the request.
    const other = await sandbox.run({ code: age, limits: { memoryMb: 512 } });
    expect(Number(other.stdout)).toBeLessThan(0.4);
  });
});
