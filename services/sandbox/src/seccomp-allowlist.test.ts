import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IS_ROOT, processesOfUids, settledProcessesOfUids, startSandbox, type RunningSandbox } from './sandbox-test-fixture.ts';

/**
 * The seccomp filter is an allow-list (python/seccomp-allowlist.txt): what real snippets do
 * still works, and a call outside the list fails with EPERM, including calls the earlier
 * deny-list never named. Each refusal is made directly (os, ctypes) so that nothing but the
 * filter can be what stops it; the getpid control shows the raw-syscall path itself works.
 */
const PYTHON_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'python');
const UID = 22_501;
const POOL = 1;
/** Warm and lean fork servers (leanPoolSize defaults to poolSize): each has its own uid. */
const FORK_SERVERS = POOL * 2;

let sandbox: RunningSandbox;
let baseline: number[];

async function expectStillServing(): Promise<void> {
  expect(await sandbox.healthy()).toBe(true);
  // Compared once settled: a spare being confined after a run is not yet recognisable as a spare.
  if (IS_ROOT) await expect.poll(() => processesOfUids(UID, UID + FORK_SERVERS - 1), { timeout: 15_000, interval: 100 }).toEqual(baseline);
  expect(await sandbox.metric('sandbox_worker_restarts_total')).toBe(0);
}

/** Prints `<name> <result> <errno>` per attempt; raw syscall numbers per architecture. */
const ATTEMPTS = `import ctypes, errno, os, platform, signal, socket
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
NR = {
    "x86_64": {"getpid": 39, "clone": 56, "keyctl": 250, "bpf": 321, "perf_event_open": 298, "userfaultfd": 323,
               "io_uring_setup": 425, "msgget": 68, "setns": 308, "add_key": 248},
    "aarch64": {"getpid": 172, "clone": 220, "keyctl": 219, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282,
                "io_uring_setup": 425, "msgget": 186, "setns": 268, "add_key": 217},
}[platform.machine()]
def raw(name, *args):
    ctypes.set_errno(0)
    return libc.syscall(ctypes.c_long(NR[name]), *[ctypes.c_long(a) for a in args]), ctypes.get_errno()
def via_os(name, fn):
    try:
        fn()
        print(name, "allowed", 0)
    except OSError as e:
        print(name, "refused", e.errno)
def via_libc(name, result):
    value, err = result
    print(name, "allowed" if value >= 0 else "refused", err if value < 0 else 0)
def clone_new_user():
    flags = 0x10000000 | signal.SIGCHLD  # CLONE_NEWUSER, fork-like
    value, err = raw("clone", flags, 0, 0, 0, 0)
    if value == 0:
        os._exit(0)  # a child would mean the filter let it through: leave at once
    if value > 0:
        os.waitpid(value, 0)
    return value, err
via_libc("getpid", raw("getpid"))
via_os("socket", lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).close())
via_os("socketpair", lambda: socket.socketpair())
via_libc("ptrace", (libc.ptrace(16, os.getppid(), 0, 0), ctypes.get_errno()))  # PTRACE_ATTACH
via_libc("mount", (libc.mount(b"none", b".", b"tmpfs", 0, None), ctypes.get_errno()))
via_libc("unshare", (libc.unshare(0x10000000), ctypes.get_errno()))  # CLONE_NEWUSER
via_libc("setns", raw("setns", 0, 0))
via_libc("clone-newuser", clone_new_user())
via_libc("keyctl", raw("keyctl", 0, -3, 0))  # KEYCTL_GET_KEYRING_ID of the session keyring
via_libc("add_key", raw("add_key", 0, 0, 0, 0, 0))
via_libc("bpf", raw("bpf", 0, 0, 0))
via_libc("perf_event_open", raw("perf_event_open", 0, 0, -1, -1, 0))
via_libc("userfaultfd", raw("userfaultfd", 0))
via_libc("io_uring_setup", raw("io_uring_setup", 8, ctypes.addressof(ctypes.create_string_buffer(120))))
via_libc("personality", (libc.personality(0x0040000), ctypes.get_errno()))  # ADDR_NO_RANDOMIZE
via_libc("msgget", raw("msgget", 0, 0o1600))  # IPC_PRIVATE | IPC_CREAT
via_os("kill", lambda: os.kill(os.getppid(), 0))
via_os("chroot", lambda: os.chroot("."))
via_os("mknod", lambda: os.mknod("node", 0o600 | 0o10000))  # a FIFO
via_os("memfd_create", lambda: os.close(os.memfd_create("m")))
via_os("sched_setaffinity", lambda: os.sched_setaffinity(0, os.sched_getaffinity(0)))
via_os("setpriority", lambda: os.setpriority(os.PRIO_PROCESS, 0, 19))
via_os("pidfd_open", lambda: os.close(os.pidfd_open(os.getpid())))
`;

/** Never on the old deny-list: refused only because the filter is now an allow-list. */
const OUTSIDE_OLD_DENY_LIST = ['msgget', 'memfd_create', 'sched_setaffinity', 'setpriority', 'add_key', 'socketpair'];
const REFUSED = [
  'socket',
  'ptrace',
  'mount',
  'unshare',
  'setns',
  'clone-newuser',
  'keyctl',
  'bpf',
  'perf_event_open',
  'userfaultfd',
  'io_uring_setup',
  'personality',
  'kill',
  'chroot',
  'mknod',
  'pidfd_open',
  ...OUTSIDE_OLD_DENY_LIST,
];

function results(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((line) => {
        const [name, ...rest] = line.split(' ');
        return [name!, rest.join(' ')];
      }),
  );
}

beforeAll(async () => {
  sandbox = await startSandbox({ poolSize: POOL, sandboxUid: UID, workDirMb: 64 });
  baseline = await settledProcessesOfUids(UID, UID + FORK_SERVERS - 1);
});

afterAll(async () => {
  await sandbox?.close();
});

describe('seccomp allow-list', () => {
  it('legitimate snippets run: numpy, sympy, files, threads, exceptions, recursion, time, stdin', async () => {
    const numeric = await sandbox.run({
      code: 'import numpy as np, sympy as sp\na = np.random.default_rng(0).random((100, 100))\nx = sp.Symbol("x")\nprint(round(float(np.linalg.det(np.eye(3))), 3), np.fft.fft(a[0]).shape, sp.integrate(x ** 2), sp.factorint(2 ** 32 + 1))',
    });
    expect(numeric).toMatchObject({ status: 'ok', stdout: '1.0 (100,) x**3/3 {641: 1, 6700417: 1}\n' });
    const files = await sandbox.run({
      code: 'import os, pathlib, shutil, tempfile\npathlib.Path("d").mkdir()\npathlib.Path("d/a.txt").write_text("hi")\nos.rename("d/a.txt", "d/b.txt")\nshutil.copy("d/b.txt", "c.txt")\nos.symlink("c.txt", "s")\nwith tempfile.TemporaryFile() as fh:\n    fh.write(b"x")\nprint(open("s").read(), sorted(os.listdir(".")), os.access("c.txt", os.R_OK), len(open("/etc/os-release").read()) > 0)\nshutil.rmtree("d")',
    });
    expect(files).toMatchObject({ status: 'ok', stdout: "hi ['c.txt', 'd', 's'] True True\n" });
    const threads = await sandbox.run({
      code: 'import concurrent.futures as cf, threading, time\nwith cf.ThreadPoolExecutor(4) as ex:\n    total = sum(ex.map(lambda v: v * v, range(100)))\ncond = threading.Condition()\nwith cond:\n    cond.wait(0.01)\ntime.sleep(0.01)\nprint(total, time.time() > 0, time.monotonic() > 0)',
    });
    expect(threads).toMatchObject({ status: 'ok', stdout: '328350 True True\n' });
    const stdin = await sandbox.run({
      code: 'import sys, select, os\nprint(repr(sys.stdin.read()), os.urandom(4).__len__())',
      stdin: 'in\n',
    });
    expect(stdin).toMatchObject({ status: 'ok', stdout: "'in\\n' 4\n" });
    const failing = await sandbox.run({
      code: 'import sys\nsys.setrecursionlimit(5000)\ndef f(n):\n    return f(n + 1) if n < 3000 else 1 / 0\nf(0)',
    });
    expect(failing.status).toBe('error');
    expect(failing.stderr).toMatch(/ZeroDivisionError/);
    await expectStillServing();
  });

  it('calls outside the list fail with EPERM, with or without subprocesses', async () => {
    for (const allowSubprocesses of [false, true]) {
      const r = await sandbox.run({ code: ATTEMPTS, allowSubprocesses });
      expect(r.status, r.stderr).toBe('ok');
      const seen = results(r.stdout);
      expect(seen['getpid']).toBe('allowed 0');
      for (const name of REFUSED) expect([name, seen[name]]).toEqual([name, 'refused 1']);
    }
    await expectStillServing();
  });

  it('subprocesses only when allowed, and never into new namespaces', async () => {
    const code =
      'import subprocess, sys\nprint(subprocess.run([sys.executable, "-c", "import numpy; print(2)"], capture_output=True, text=True).stdout.strip())';
    const denied = await sandbox.run({ code });
    expect(denied.status).toBe('error');
    expect(denied.stderr).toMatch(/PermissionError/);
    const allowed = await sandbox.run({ code, allowSubprocesses: true });
    expect(allowed).toMatchObject({ status: 'ok', stdout: '2\n' });
    const unshare = await sandbox.run({
      code: 'import subprocess\nprint(subprocess.run(["unshare", "--user", "true"]).returncode)',
      allowSubprocesses: true,
    });
    expect(unshare).toMatchObject({ status: 'ok', stdout: '1\n' });
    await expectStillServing();
  });
});

describe('seccomp-allowlist.txt', () => {
  /** Parses `text` with the fork server's own loader; resolves to its stdout or rejects with its stderr. */
  async function readAllowlist(text: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'allowlist-'));
    try {
      await writeFile(join(dir, 'list.txt'), text);
      const script = `import sys, json\nsys.path.insert(0, ${JSON.stringify(PYTHON_DIR)})\nimport confinement\nprint(json.dumps(confinement.read_allowlist(sys.argv[1])))`;
      const { stdout } = await promisify(execFile)('/usr/bin/python3', ['-I', '-S', '-B', '-c', script, join(dir, 'list.txt')]);
      return stdout.trim();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('reads sections, skips comments, and refuses a name listed twice or outside a section', async () => {
    expect(JSON.parse(await readAllowlist('# memory\n[always]\nbrk mmap # inline\n\n[subprocesses]\nexecve\n'))).toEqual({
      always: ['brk', 'mmap'],
      subprocesses: ['execve'],
    });
    await expect(readAllowlist('[always]\nread\n[subprocesses]\nread\n')).rejects.toThrow(/list.txt:4: read is listed twice/);
    await expect(readAllowlist('read\n')).rejects.toThrow(/list.txt:1: syscall names before the first \[section\]/);
  });
});
