"""Derives the seccomp allow-list from real snippets: run under `strace -f -ff`.

    mkdir /tmp/trace && strace -f -ff -qq -o /tmp/trace/t \
        /usr/bin/python3 -I -S scripts/trace-syscalls.py /tmp/trace [extra-snippet.py ...]

Like the fork server, it imports numpy and sympy first and forks one child per snippet in a
scratch work dir; only the children's traces (everything after the fork, threads and
subprocesses included) count. It then prints every syscall the children made and whether
python/seccomp-allowlist.txt allows it (`MISSING` lines are what a new snippet would need).
"""
import os
import re
import sys

sys.path.append('/usr/lib/python3/dist-packages')
import numpy  # noqa: E402,F401
import sympy  # noqa: E402,F401

# What legitimate snippets do: the execution-semantics corpus and the usual tool calls.
SNIPPETS = {
    'print': 'print(6 * 7)',
    'numpy': 'import numpy as np\na = np.random.default_rng(0).random((200, 200))\nprint(np.linalg.det(np.eye(3)), np.linalg.inv(a).sum(), np.fft.fft(a[0]).real.sum())',
    'sympy': 'import sympy as sp\nx = sp.Symbol("x")\nprint(sp.integrate(x ** 2), sp.solve(x ** 2 - 2, x), sp.factorint(2 ** 64 + 1), sp.simplify(sp.sin(x) ** 2 + sp.cos(x) ** 2))',
    'exception': 'def f():\n    return 1 / 0\nf()',
    'sys_exit': 'import sys\nsys.exit(3)',
    'recursion': 'import sys\nsys.setrecursionlimit(10**4)\ndef f(n):\n    return f(n + 1) if n < 5000 else n\nprint(f(0))',
    'big_alloc': 'x = bytearray(200 * 1024 ** 2)\ndel x\nimport numpy as np\nprint(np.zeros((4000, 4000)).sum())',
    'files': 'import os, tempfile, pathlib, json\nopen("a.txt", "w").write("hi")\nprint(open("a.txt").read(), os.listdir("."), os.stat("a.txt").st_size)\nos.rename("a.txt", "b.txt")\nos.mkdir("d")\npathlib.Path("d/x.json").write_text(json.dumps([1]))\nos.symlink("b.txt", "s")\nprint(os.readlink("s"), os.path.exists("s"), os.access("b.txt", os.R_OK))\nwith tempfile.NamedTemporaryFile() as fh:\n    fh.write(b"x")\nos.unlink("b.txt")\nos.remove("s")\nos.rmdir(os.path.join("d") if False else "e") if os.path.exists("e") else None\nimport shutil\nshutil.rmtree("d")\nos.truncate(open("t", "w").name, 0)\nos.chmod("t", 0o600)\nos.utime("t")',
    'read_system': 'import os\nprint(len(open("/etc/os-release").read()), len(os.listdir("/usr/lib")), open("/dev/urandom", "rb").read(4).__len__(), os.cpu_count(), os.getcwd())',
    'threads': 'import threading, time, concurrent.futures as cf\nt = threading.Thread(target=time.sleep, args=(0.05,))\nt.start(); t.join()\nwith cf.ThreadPoolExecutor(4) as ex:\n    print(sum(ex.map(lambda v: v * v, range(100))))\nlock = threading.Condition()\nwith lock:\n    lock.wait(0.01)',
    'time_random': 'import time, random, datetime, secrets, uuid\nprint(time.time() > 0, time.monotonic(), time.process_time(), time.perf_counter(), datetime.datetime.now().year > 2000, random.random() < 1, secrets.token_hex(4).__len__(), uuid.uuid4().version)\ntime.sleep(0.01)',
    'stdin': 'import sys\nprint(repr(sys.stdin.read()))\nprint(input.__name__)',
    'stdlib': 'import math, fractions, decimal, itertools, functools, collections, re, heapq, bisect, statistics, string, hashlib, zlib, base64, struct, array, io, csv, textwrap, pprint, dataclasses, typing, enum, copy, operator, cmath\nprint(math.factorial(50) % 97, statistics.mean([1, 2, 3]), hashlib.sha256(b"x").hexdigest()[:8], zlib.crc32(b"x"))',
    'resource': 'import resource, os, signal\nprint(resource.getrlimit(resource.RLIMIT_AS), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss > 0, os.getpid() > 0, os.getuid(), os.getgid(), os.getppid() > 0, os.uname().sysname)\nsignal.signal(signal.SIGALRM, lambda *a: None)\nsignal.setitimer(signal.ITIMER_REAL, 0.01)\nimport time\ntime.sleep(0.05)\nprint(os.times().user >= 0)',
    'select': 'import select, os\nr, w = os.pipe()\nos.write(w, b"x")\nprint(select.select([r], [], [], 0), select.poll().poll(0))\nos.close(r); os.close(w)',
    'mpmath_float': 'import mpmath\nmpmath.mp.dps = 50\nprint(mpmath.pi, float(mpmath.zeta(3)))',
    'exit_os': 'import os, sys\nprint("bye")\nsys.stdout.flush()\nos._exit(0)',
    'memory_error': 'import resource\nresource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\ntry:\n    x = bytearray(8 * 1024 ** 3)\nexcept MemoryError:\n    print("memory")',
}
# Only with allowSubprocesses (code tests run programs).
SUBPROCESS_SNIPPETS = {
    'subprocess': 'import subprocess, sys, os\nprint(subprocess.run(["sh", "-c", "echo hi; ls / > /dev/null; cat /etc/hostname >/dev/null"], capture_output=True).stdout)\nprint(subprocess.run([sys.executable, "-c", "import numpy, sympy; print(1)"], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}).stdout)\nprint(os.system("true"))\np = subprocess.Popen(["sleep", "0.05"])\np.wait()\nprint(subprocess.check_output("echo $((1+2)) | cat", shell=True))\nimport multiprocessing as mp\nprint(os.fork() and os.wait()[1])',
}


def run(name, code, out_dir):
    workdir = os.path.join(out_dir, 'work-' + name)
    os.makedirs(workdir, exist_ok=True)
    pid = os.fork()
    if pid == 0:
        os.chdir(workdir)
        r, w = os.pipe()
        os.write(w, b'some stdin\n')
        os.close(w)
        os.dup2(r, 0)
        rc = 0
        try:
            exec(compile(code, '<' + name + '>', 'exec'), {'__name__': '__main__'})
        except SystemExit as exc:
            rc = exc.code if isinstance(exc.code, int) else 0
        except BaseException as exc:  # noqa: BLE001
            print(name, 'raised', type(exc).__name__, file=sys.stderr)
        sys.stdout.flush()
        os._exit(rc)
    # Snippet output goes to the terminal; the report follows it.
    os.waitpid(pid, 0)
    return pid


def traced_syscalls(out_dir, first_pid, from_pid=0, to_pid=1 << 31):
    """Syscall names in the strace files of pids in [max(first_pid, from_pid), to_pid)."""
    names = set()
    for entry in os.listdir(out_dir):
        match = re.fullmatch(r't\.(\d+)', entry)
        if match and max(first_pid, from_pid) <= int(match.group(1)) < to_pid:
            with open(os.path.join(out_dir, entry), errors='replace') as fh:
                names.update(m.group(1) for m in map(re.compile(r'([a-z0-9_]+)\(').match, fh) if m)
    return names


def report(out_dir, pids):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'python'))
    import confinement
    listed = confinement.read_allowlist()
    conditional = {'clone', 'clone3', 'ioctl', 'prlimit64'}  # rules with arguments, in confinement.py
    # Made by programs the snippet runs, refused on purpose: glibc asks nscd over a unix socket
    # for user names (ls, id) and falls back to /etc/passwd when that fails.
    refused_on_purpose = {'socket', 'connect'}
    first_sub = pids[len(SNIPPETS) + len(EXTRA)][1] if SUBPROCESS_SNIPPETS else 1 << 31
    plain = traced_syscalls(out_dir, pids[0][1], to_pid=first_sub)
    with_sub = traced_syscalls(out_dir, pids[0][1], from_pid=first_sub) - plain
    for names, section in ((plain, 'always'), (with_sub, 'subprocesses')):
        allowed = set(listed.get('always', [])) | set(listed.get(section, [])) | conditional
        for name in sorted(names):
            verdict = 'allowed' if name in allowed else 'refused on purpose' if name in refused_on_purpose else 'MISSING'
            print('%-24s %-13s %s' % (name, section, verdict))


EXTRA = {}


def main():
    out_dir = sys.argv[1]
    for path in sys.argv[2:]:
        with open(path) as fh:
            EXTRA[os.path.basename(path)] = fh.read()
    pids = []
    for name, code in list(SNIPPETS.items()) + list(EXTRA.items()) + list(SUBPROCESS_SNIPPETS.items()):
        pids.append((name, run(name, code, out_dir)))
    report(out_dir, pids)


if __name__ == '__main__':
    main()
