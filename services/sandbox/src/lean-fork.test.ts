import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * python/lean_fork.py forks without CPython's after-fork hooks only while the process has one
 * thread. Which path a child took shows in a hook the script registers: os.fork() runs it, the
 * bare fork does not.
 */
const PYTHON_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'python');
const SCRIPT = `
import os, random, sys, threading, time
sys.path.insert(0, ${JSON.stringify(PYTHON_DIR)})
import lean_fork

hook_ran = []
os.register_at_fork(after_in_child=lambda: hook_ran.append(True))

def child_report():
    r, w = os.pipe()
    pid = lean_fork.fork()
    if pid == 0:
        os.write(w, ('%s %d' % (bool(hook_ran), random.getrandbits(64))).encode())
        os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    out = os.read(r, 100).decode()
    os.close(r)
    return out

bare = [child_report() for _ in range(3)]
worker = threading.Thread(target=time.sleep, args=(0.5,))
worker.start()
fallback = child_report()
worker.join()
print([b.split()[0] for b in bare], len({b.split()[1] for b in bare}), fallback.split()[0])
`;

describe('lean_fork', () => {
  it('forks bare while single-threaded (reseeding random), with os.fork() once another thread exists', async () => {
    const { stdout } = await promisify(execFile)('/usr/bin/python3', ['-I', '-S', '-B', '-c', SCRIPT]);
    expect(stdout).toBe("['False', 'False', 'False'] 3 True\n");
  });
});
