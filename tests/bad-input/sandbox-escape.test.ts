import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../services/sandbox/src/sandbox-test-fixture.ts';

/**
 * Escapes not in services/sandbox/src/hostile-corpus.test.ts (which covers network, /etc/shadow,
 * fork bombs, memory, disk, fd exhaustion, environment secrets via /proc, ptrace, signals to the
 * parent, daemons left behind and cross-run files): UNIX sockets, the repository and root's home
 * (where a deployment's credentials would be), and leftovers outside the work dir seen by a later run.
 */
const ROOT = join(import.meta.dirname, '..', '..');
let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ poolSize: 2, sandboxUid: 20_101, workDirMb: 32 });
});
afterAll(async () => {
  await sandbox?.close();
});

test('UNIX sockets (a local Postgres or Redis socket) cannot be created', async () => {
  const r = await sandbox.run({
    code: 'import socket\ntry:\n    socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n    print("created")\nexcept OSError as e:\n    print("denied", e.errno)',
  });
  expect(r.stdout).toMatch(/^denied \d+\n$/);
});

test("the repository and root's home are unreadable and unlistable", async () => {
  const targets = [join(ROOT, 'package.json'), join(ROOT, 'shared/testing/src/test-env.ts'), '/root/.bashrc', '/root', ROOT, '/work'];
  const code = `import os\nfor p in ${JSON.stringify(targets)}:\n    try:\n        if os.path.isdir(p):\n            os.listdir(p)\n        else:\n            open(p).read(1)\n        print("READ", p)\n    except OSError as e:\n        print("denied", p)`;
  const r = await sandbox.run({ code });
  expect(r.status).toBe('ok');
  expect(r.stdout).not.toContain('READ');
  expect(r.stdout.trim().split('\n')).toHaveLength(targets.length);
});

test('files written outside the work dir are refused, and no later run sees anything left behind', async () => {
  const places = ['/tmp/leftover', '/dev/shm/leftover', '/var/tmp/leftover', '/tmp/../leftover'];
  const write = `import os\nfor p in ${JSON.stringify(places)}:\n    try:\n        open(p, "w").write("x")\n        print("WROTE", p)\n    except OSError:\n        print("denied", p)\nopen("mine", "w").write("x")\nprint("cwd", os.getcwd())`;
  const first = await sandbox.run({ code: write });
  expect(first.stdout).not.toContain('WROTE');
  const cwd = /cwd (.+)\n/.exec(first.stdout)?.[1];
  expect(cwd).toBeTruthy();
  // Several runs, so both fork servers answer at least once.
  for (let i = 0; i < 6; i++) {
    const probe = await sandbox.run({
      code: `import os\nfor p in ${JSON.stringify([...places, `${cwd}/mine`])}:\n    print(p, os.path.exists(p))\nprint(sorted(os.listdir(".")))`,
    });
    expect(probe.stdout).not.toContain('True');
    expect(probe.stdout).toContain('[]');
  }
});
