"""Where the time and CPU of one stateless run go, phase by phase, without perf.

Usage: /usr/bin/python3 services/sandbox/scripts/profile-stateless.py [lean|warm] [runs] [small]
(`small`: leave the fork server's heap on 4 KiB pages, as with `hugePages: false`)

Builds a fork server in this process (same code and confinement as the service, no
bubblewrap, not a dedicated uid) and measures with perf_counter_ns and getrusage:
  1. the cost of one page fault here (fresh and copy-on-write): on a VM it sets the price
     of everything a forked child touches;
  2. a child's confinement step by step (timed inside the child, as it happens in child.confine);
  3. the fork server's side of a run (ForkServer.run and the spare refill), per function.
"""
import json
import mmap
import os
import resource
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'python'))
sys.path.append('/usr/lib/python3/dist-packages')

import child  # noqa: E402
import confinement  # noqa: E402
import fork_server  # noqa: E402
import supervise as sv  # noqa: E402

MODE = sys.argv[1] if len(sys.argv) > 1 else 'lean'
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 100
HUGE_PAGES = 'small' not in sys.argv[3:]
LIMITS = {'timeoutMs': 10000, 'cpuSeconds': 11, 'memoryMb': 1024, 'fileSizeMb': 16, 'openFiles': 64,
          'processes': 64, 'maxOutputBytes': 16384, 'captureCapBytes': 1 << 20}


def cpu_ms(who=resource.RUSAGE_SELF):
    u = resource.getrusage(who)
    return (u.ru_utime + u.ru_stime) * 1000.0


def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def page_fault_cost():
    pages = 2000
    area = mmap.mmap(-1, 4096 * pages)
    c0, f0 = cpu_ms(), faults()
    for i in range(0, 4096 * pages, 4096):
        area[i] = 1
    fresh = (cpu_ms() - c0) * 1000 / max(1, faults() - f0)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        c0, f0 = cpu_ms(), faults()
        for i in range(0, 4096 * pages, 4096):
            area[i] = 2
        os.write(w, b'%.2f' % ((cpu_ms() - c0) * 1000 / max(1, faults() - f0)))
        os._exit(0)
    os.waitpid(pid, 0)
    cow = float(os.read(r, 64))
    os.close(r)
    os.close(w)
    print('page fault: fresh %.1f us CPU, copy-on-write %.1f us CPU' % (fresh, cow))


def huge_pages_kb():
    with open('/proc/self/smaps_rollup') as rollup:
        return next((line.split()[1] + ' kB' for line in rollup if line.startswith('AnonHugePages:')), 'unknown')


def child_phases(srv, workdir_base):
    """Forks like fork_children and times each confinement step inside the child."""
    acc = {}
    for i in range(RUNS + 5):
        workdir = srv.new_workdir()
        r, w = os.pipe()
        t0, c0 = time.perf_counter_ns(), cpu_ms()
        pid = srv.fork()
        if pid == 0:
            marks = [('resume after fork', time.perf_counter_ns(), cpu_ms(), faults())]

            def mark(name):
                marks.append((name, time.perf_counter_ns(), cpu_ms(), faults()))
            child.arrange_fds({1: os.open('/dev/null', os.O_WRONLY), 5: w})
            confinement.prctl(confinement.PR_SET_PDEATHSIG, 9)
            os.setsid()
            mark('pdeathsig, setsid, fd moves')
            if srv.cfg['landlockAbi'] > 0:
                srv.cfg['landlockRules'].apply(rw_dirs=[workdir], own_read_dirs=['/proc/self'])
            mark('landlock (rules prepared in the server)')
            os.closerange(6, 1 << 16)
            os.chdir(workdir)
            os.environ['HOME'] = workdir
            os.environ['TMPDIR'] = workdir
            child._install_stdio(srv.stdio)
            mark('closerange, chdir, HOME/TMPDIR, stdio')
            confinement.apply_rlimits(LIMITS)
            mark('rlimits')
            if srv.programs:
                confinement.load_seccomp_program(srv.programs[False])
            mark('seccomp (program prepared in the server)')
            exec(compile('print(1)', '<snippet>', 'exec'), child.fresh_globals())
            mark('snippet print(1)')
            os.write(5, json.dumps(marks).encode())
            os._exit(0)
        t1, c1 = time.perf_counter_ns(), cpu_ms()
        os.close(w)
        _, _, usage = os.wait4(pid, 0)
        marks = json.loads(os.read(r, 1 << 16))
        os.close(r)
        os.rmdir(workdir)
        if i < 5:
            continue
        rows = [('server: fork() call', (t1 - t0) / 1e6, c1 - c0, 0)]
        prev = (t0, 0.0, None)
        for name, ns, cpu, flt in marks:
            # A child's fault counter starts at zero at the fork.
            rows.append(('child: ' + name, (ns - prev[0]) / 1e6, cpu - prev[1], flt - (prev[2] or 0)))
            prev = (ns, cpu, flt)
        total = (usage.ru_utime + usage.ru_stime) * 1000.0
        rows.append(('child: exit, address-space teardown', 0.0, total - prev[1], usage.ru_minflt - prev[2]))
        rows.append(('child: total (rusage)', 0.0, total, usage.ru_minflt))
        for name, wall, cpu, flt in rows:
            a = acc.setdefault(name, [0.0, 0.0, 0])
            a[0] += wall
            a[1] += cpu
            a[2] += flt
    print('%s child, mean of %d (wall ms / CPU ms / page faults):' % (MODE, RUNS))
    for name, (wall, cpu, flt) in acc.items():
        print('  %-45s %7.3f %7.3f %6.0f' % (name, wall / RUNS, cpu / RUNS, flt / RUNS))


def server_phases(srv):
    acc = {}

    def timed(owner, name, label):
        fn = getattr(owner, name)

        def wrapper(*args, **kwargs):
            t0, c0, f0 = time.perf_counter_ns(), cpu_ms(), faults()
            try:
                return fn(*args, **kwargs)
            finally:
                a = acc.setdefault(label, [0.0, 0.0, 0])
                a[0] += (time.perf_counter_ns() - t0) / 1e6
                a[1] += cpu_ms() - c0
                a[2] += faults() - f0
        setattr(owner, name, wrapper)
    for name in ('take_spare', 'fork_children', 'reply', 'sweep_orphans', 'prepare_spares'):
        timed(srv, name, 'server.' + name)
    for name in ('supervise', 'remove_tree', 'drain', 'drain_status', 'kill_group'):
        timed(sv, name, 'supervise.' + name)
    timed(os, 'wait4', 'os.wait4')
    for i in range(RUNS + 5):
        if i == 5:
            acc.clear()
            t0, c0, k0, f0 = time.perf_counter_ns(), cpu_ms(), cpu_ms(resource.RUSAGE_CHILDREN), faults()
        msg = json.loads(json.dumps({'op': 'run', 'id': str(i), 'code': 'print(1)', 'limits': LIMITS}))
        out = srv.run(msg)
        assert out['status'] == 'ok', out
        json.dumps(out)
        srv.prepare_spares(msg['limits'], False)
    print('%s fork server, back to back, per run: wall %.2f ms, server CPU %.2f ms (%d page faults), children CPU %.2f ms'
          % (MODE, (time.perf_counter_ns() - t0) / 1e6 / RUNS, (cpu_ms() - c0) / RUNS, (faults() - f0) / RUNS,
             (cpu_ms(resource.RUSAGE_CHILDREN) - k0) / RUNS))
    for name, (wall, cpu, flt) in acc.items():
        print('  %-45s %7.3f %7.3f %6.0f' % (name, wall / RUNS, cpu / RUNS, flt / RUNS))


def main():
    # Not tempfile: it would load `random` into this fork server, which a lean one does not have.
    base = '/tmp/sandbox-profile-%d' % os.getpid()
    os.mkdir(base, 0o700)
    cfg = {'workdirBase': base, 'seccomp': True, 'landlock': True, 'warm': MODE == 'warm', 'extraSysPath': [],
           'readDirs': ['/usr', '/etc', '/lib', '/lib64', '/bin', '/sbin'],
           'childEnv': {'PATH': '/usr/bin:/bin', 'LANG': 'C.UTF-8'}, 'sessionCpuSeconds': 600,
           'sessionsPerWorker': 16, 'preforkChildren': True, 'spareChildren': 2, 'hugePages': HUGE_PAGES}
    fork_server.send = lambda message: None  # no Node side here
    os.dup2(os.pipe()[0], 0)  # the inbox polls fd 0: an empty pipe
    srv = fork_server.ForkServer(cfg)
    srv.start()
    print('fork server RSS %d kB, load %s, heap in huge pages: %s' % (
        fork_server.rss_kb(), os.getloadavg(), huge_pages_kb()))
    page_fault_cost()
    try:
        child_phases(srv, base)
        server_phases(srv)
        # The fork server's own writes split huge pages it shares with a live child: what is left.
        print('heap in huge pages after the runs: %s' % huge_pages_kb())
    finally:
        for spare in srv.spares:
            srv.discard_spare(spare)
        shutil.rmtree(base, ignore_errors=True)


main()
