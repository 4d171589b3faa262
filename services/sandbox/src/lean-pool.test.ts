import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IS_ROOT, processesOfUids, startSandbox, type RunningSandbox } from './sandbox-test-fixture.ts';

/** A bare fork server beside the warm one: cheap forks for snippets that need neither numpy nor sympy. */
const UID = 20_601;
let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ poolSize: 1, leanPoolSize: 1, sandboxUid: UID });
});
afterAll(async () => sandbox?.close());

const LOADED = 'import sys\nprint("sym" + "py" in sys.modules)';

describe('lean pool', () => {
  it('runs snippets that name neither numpy nor sympy on the bare interpreter, the others on the warm one', async () => {
    expect((await sandbox.run({ code: LOADED })).stdout).toBe('False\n');
    expect((await sandbox.run({ code: `${LOADED}  # sympy` })).stdout).toBe('True\n');
    // Importing on the lean interpreter still works (cold); the result is the same.
    const cold = await sandbox.run({ code: '__import__("sym" + "py")\nimport sys\nprint(sys.modules["sym" + "py"].sqrt(4))' });
    expect(cold).toMatchObject({ status: 'ok', stdout: '2\n' });
  });

  it('a plain snippet waits for the lean server while no more plain snippets wait than there are lean servers', async () => {
    // The first holds the lean server; the second waits for it (a lean run is cheaper than a warm
    // one); the third finds one plain snippet already waiting and overflows to the warm server.
    const slow = 'import sys, time\ntime.sleep(0.4)\nprint("sym" + "py" in sys.modules)';
    const first = sandbox.run({ code: slow });
    await new Promise((r) => setTimeout(r, 100));
    const second = sandbox.run({ code: slow });
    await new Promise((r) => setTimeout(r, 50));
    const third = sandbox.run({ code: slow });
    const results = await Promise.all([first, second, third]);
    expect(results.map((r) => r.stdout)).toEqual(['False\n', 'False\n', 'True\n']);
  });

  it('sessions always live on the warm interpreter', async () => {
    const sessionId = await sandbox.openSession();
    expect((await sandbox.run({ code: LOADED, sessionId })).stdout).toBe('True\n');
    expect(await sandbox.client.closeSession(sessionId)).toBe(true);
  });

  it('the lean fork server is confined like the warm one', async () => {
    expect(sandbox.isolation.seccomp.active).toBe(true);
    const r = await sandbox.run({
      code: 'import socket\ntry:\n    socket.socket()\n    print("created")\nexcept OSError as e:\n    print("denied", e.errno)',
    });
    expect(r.stdout).toMatch(/^denied \d+\n$/);
    if (IS_ROOT) expect((await processesOfUids(UID + 1, UID + 1)).length).toBeGreaterThan(0);
    expect(await sandbox.healthy()).toBe(true);
  });
});
