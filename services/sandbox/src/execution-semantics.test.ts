import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '@rft/contracts';
import { startSandbox, TEST_TOKEN, type RunningSandbox } from './sandbox-test-fixture.ts';

const AUTH = { authorization: `Bearer ${TEST_TOKEN}` };

/** What a caller sees for ordinary programs: stdin, exit codes, tracebacks, truncation, limits. */
let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ poolSize: 2, sandboxUid: 24_001 });
});
afterAll(async () => sandbox?.close());

describe('execution semantics', () => {
  it('each run draws its own random numbers, on lean and warm fork servers and in sessions', async () => {
    // Children are forked without CPython's after-fork hooks; random's reseed is redone by hand.
    const draw = 'import random\nprint(random.getrandbits(64))';
    for (const code of [draw, `${draw}  # numpy`]) {
      const outputs = [];
      for (let i = 0; i < 4; i++) outputs.push((await sandbox.run({ code })).stdout);
      expect(new Set(outputs).size).toBe(4);
    }
    const sessions = [await sandbox.openSession(), await sandbox.openSession()];
    const inSessions = await Promise.all(sessions.map((sessionId) => sandbox.run({ code: draw, sessionId })));
    expect(inSessions[0]!.stdout).not.toBe(inSessions[1]!.stdout);
    for (const sessionId of sessions) await sandbox.client.closeSession(sessionId);
  });

  it("temporary files go to the run's own work dir, on lean and warm fork servers", async () => {
    const code =
      'import os, tempfile\nprint(tempfile.gettempdir() == os.getcwd() == os.environ["HOME"], tempfile.mkstemp()[1].startswith(os.getcwd() + "/"))';
    for (const variant of [code, `${code}  # numpy`]) {
      const runs = [await sandbox.run({ code: variant }), await sandbox.run({ code: variant })];
      for (const r of runs) expect(r).toMatchObject({ status: 'ok', stdout: 'True True\n' });
    }
  });

  it('threads work in a forked child, which is the main thread of its own process', async () => {
    const code = [
      'import os, threading',
      'from concurrent.futures import ThreadPoolExecutor',
      'with ThreadPoolExecutor(4) as pool:',
      '    squares = list(pool.map(lambda n: n * n, range(8)))',
      'done = []',
      'worker = threading.Thread(target=lambda: done.append(threading.get_native_id() != os.getpid()))',
      'worker.start(); worker.join()',
      'print(squares, done, threading.current_thread() is threading.main_thread(), threading.get_native_id() == os.getpid())',
    ].join('\n');
    for (const variant of [code, `${code}  # numpy`]) {
      expect(await sandbox.run({ code: variant })).toMatchObject({
        status: 'ok',
        stdout: '[0, 1, 4, 9, 16, 25, 36, 49] [True] True True\n',
      });
    }
  });

  it('runs a program against stdin (code grading)', async () => {
    const lines = Array.from({ length: 200_000 }, (_, i) => String(i)).join('\n') + '\n';
    const code = 'import sys\nnums = [int(x) for x in sys.stdin.read().split()]\nprint(len(nums), sum(nums))';
    const r = await sandbox.run({ code, stdin: lines });
    expect(r).toMatchObject({ status: 'ok', exitCode: 0, stdout: '200000 19999900000\n', truncated: false });
    expect(r.cpuMs).toBeGreaterThan(0);
    expect(r.wallMs).toBeGreaterThan(0);
  });

  it('reports exit codes, and tracebacks that start at the snippet', async () => {
    expect(await sandbox.run({ code: 'import sys\nsys.exit(3)' })).toMatchObject({ status: 'error', exitCode: 3 });
    expect(await sandbox.run({ code: 'raise SystemExit("bad input")' })).toMatchObject({
      status: 'error',
      exitCode: 1,
      stderr: 'bad input\n',
    });
    const r = await sandbox.run({ code: 'def f():\n    return 1 / 0\nf()' });
    expect(r.status).toBe('error');
    expect(r.stderr).toBe(
      'Traceback (most recent call last):\n  File "<snippet>", line 3, in <module>\n  File "<snippet>", line 2, in f\nZeroDivisionError: division by zero\n',
    );
    const syntax = await sandbox.run({ code: 'print(' });
    expect(syntax.status).toBe('error');
    expect(syntax.stderr).toMatch(/SyntaxError/);
    expect(syntax.stderr).not.toMatch(/fork_server|child\.py/);
  });

  it('keeps head and tail of long output when it is below the capture cap', async () => {
    const r = await sandbox.run({ code: 'for i in range(1000):\n    print(f"line {i:04d}")', limits: { maxOutputBytes: 100 } });
    expect(r.status).toBe('ok');
    expect(r.truncated).toBe(true);
    expect(r.stdout.startsWith('line 0000\nline 0001\n')).toBe(true);
    expect(r.stdout.endsWith('line 0998\nline 0999\n')).toBe(true);
    expect(r.stdout).toMatch(/\.\.\.\[9900 bytes omitted\]\.\.\./);
  });

  it('has numpy and sympy ready', async () => {
    const r = await sandbox.run({
      code: 'import numpy as np, sympy as sp\nprint(np.linalg.det(np.eye(3)), sp.integrate(sp.Symbol("x") ** 2))',
    });
    expect(r.stdout).toBe('1.0 x**3/3\n');
  });

  it('rejects limits above the server maxima with the field named (client throws InputError)', async () => {
    await expect(sandbox.run({ code: 'pass', limits: { memoryMb: 60_000 } })).rejects.toThrow(InputError);
    const response = await fetch(`${sandbox.url}/v1/execute`, {
      method: 'POST',
      headers: AUTH,
      body: JSON.stringify({ code: 'pass', limits: { memoryMb: 60_000 } }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ problems: ['limits.memoryMb: 60000 is above the server maximum 4096'] });
    const malformed = await fetch(`${sandbox.url}/v1/execute`, { method: 'POST', headers: AUTH, body: JSON.stringify({ code: 1 }) });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { problems: string[] }).problems[0]).toMatch(/^code: /);
  });

  it('more hostile snippets: symlinks, raising limits, deep recursion, giant integers', async () => {
    const symlink = await sandbox.run({ code: 'import os\nos.symlink("/etc/shadow", "s")\nprint(open("s").read())' });
    expect(symlink.status).toBe('error');
    expect(symlink.stderr).toMatch(/Permission denied/);
    const raise = await sandbox.run({
      code: 'import resource\nresource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))',
    });
    expect(raise.status).toBe('error');
    expect(raise.stderr).toMatch(/not allowed to raise maximum limit|Operation not permitted|ValueError/);
    const recursion = await sandbox.run({
      code: 'import sys\nsys.setrecursionlimit(10**6)\ndef f(n):\n    return f(n + 1)\nf(0)',
      limits: { memoryMb: 384, timeoutMs: 20_000 },
    });
    expect(['error', 'memory']).toContain(recursion.status);
    const giant = await sandbox.run({
      code: 'import sys\nsys.set_int_max_str_digits(0)\nprint(len(str(7 ** 10 ** 8)))',
      limits: { timeoutMs: 1000 },
    });
    expect(giant.status).toBe('timeout');
    expect(await sandbox.healthy()).toBe(true);
  });
});
