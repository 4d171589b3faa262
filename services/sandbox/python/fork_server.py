"""Warm fork server: imports numpy and sympy once, then forks one confined child per
execution. Protocol: JSON lines on stdin (requests) and stdout (replies); the
children never see these pipes. Usage: fork_server.py '<config json>'."""
import gc
import json
import os
import resource
import signal
import sys
import time
import traceback
from collections import deque

# Started with -I (isolated mode): the script's own directory is not on sys.path.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import child  # noqa: E402
import confinement  # noqa: E402
import huge_pages  # noqa: E402
import lean_fork  # noqa: E402
import sessions as sessions_mod
import supervise as sv


class Inbox:
    """Reads protocol lines from fd 0; cancels are acted on immediately, the rest queued."""

    def __init__(self):
        self.buf = bytearray()
        self.scan = 0
        self.pending = deque()
        self.eof = False
        self.cancelled = set()

    def pump(self):
        data = os.read(0, 1 << 20)
        if not data:
            self.eof = True
            return
        self.buf += data
        while True:
            newline = self.buf.find(b'\n', self.scan)
            if newline < 0:
                self.scan = len(self.buf)
                return
            line = bytes(self.buf[:newline])
            del self.buf[:newline + 1]
            self.scan = 0
            if line.strip():
                msg = json.loads(line)
                if msg.get('op') == 'cancel':
                    self.cancelled.add(msg.get('id'))
                else:
                    self.pending.append(msg)

    def pump_and_check_cancel(self, job_id):
        self.pump()
        return job_id in self.cancelled

    def next(self):
        while not self.pending and not self.eof:
            self.pump()
        return self.pending.popleft() if self.pending else None


def send(message):
    data = (json.dumps(message, separators=(',', ':')) + '\n').encode()
    view = memoryview(data)
    while view:
        view = view[os.write(1, view):]


_STATM = os.open('/proc/self/statm', os.O_RDONLY | os.O_CLOEXEC)
_PAGE_KB = os.sysconf('SC_PAGE_SIZE') // 1024


def rss_kb():
    # One pread on an fd opened once: a text-mode open per reply cost ~0.7 ms of page faults.
    return int(os.pread(_STATM, 256, 0).split()[1]) * _PAGE_KB


class ForkServer:
    def __init__(self, cfg):
        self.cfg = cfg
        self.inbox = Inbox()
        self.counter = 0
        self.programs = {}
        self.stdio = child.prepare_stdio()
        self.sessions = sessions_mod.Sessions(self)
        self.spares = []  # children forked and confined ahead of need, oldest first
        self.fork = os.fork  # lean_fork.fork once start() has seen a single thread

    # -------------------------------------------------------------- start

    def start(self):
        confinement.prctl(confinement.PR_SET_PDEATHSIG, signal.SIGKILL)
        confinement.prctl(confinement.PR_SET_CHILD_SUBREAPER, 1)
        confinement.prctl(confinement.PR_SET_DUMPABLE, 0)
        # Each session holds five fds here (pidfd, command and three pipes): a few hundred
        # sessions need more than the usual soft limit of 1024. Children lower it again.
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = 64 + 8 * self.cfg.get('sessionsPerWorker', 0)
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard), hard))
        os.makedirs(self.cfg['workdirBase'], mode=0o700, exist_ok=True)
        self.cfg['landlockAbi'] = confinement.landlock_abi() if self.cfg['landlock'] else 0
        self.cfg['seccomp'] = bool(self.cfg['seccomp']) and confinement.seccomp_available()
        child.prepare_environment(self.cfg)
        if self.cfg['seccomp']:
            self.programs = {flag: confinement.PreparedProgram(confinement.build_seccomp_program(flag))
                             for flag in (False, True)}
        if self.cfg['warm']:
            import numpy
            import sympy
            x = sympy.Symbol('x')
            sympy.solve(x ** 2 - 4, x)
            numpy.linalg.inv(numpy.eye(3))
        gc.collect()
        gc.freeze()
        # Last, once the heap children will share is complete: fewer page-table entries to copy
        # per fork and to drop per exit.
        huge_kb, huge_note = huge_pages.collapse_heap() if self.cfg.get('hugePages') else (0, 'off by configuration')
        if lean_fork.single_threaded():
            self.fork = lean_fork.fork
        send({'type': 'ready', 'pid': os.getpid(), 'uid': os.getuid(), 'gid': os.getgid(),
              'groups': os.getgroups(), 'rssKb': rss_kb(), 'python': sys.version.split()[0],
              'hugePagesKb': huge_kb, 'hugePagesNote': huge_note, 'bareFork': self.fork is lean_fork.fork})

    def serve(self):
        while True:
            msg = self.inbox.next()
            if msg is None:
                break
            op = msg.get('op')
            if op == 'run':
                try:
                    send(self.run(msg))
                    if msg.get('sessionId') is None:
                        self.prepare_spares(msg['limits'], msg.get('allowSubprocesses'))
                except Exception:  # a fault of this server, not of the snippet: report it, keep serving
                    send({'type': 'result', 'id': msg.get('id'), 'status': 'sandbox_error', 'exitCode': None,
                          'stdout': '', 'stderr': '[sandbox] ' + traceback.format_exc(limit=5), 'truncated': False,
                          'wallMs': 0, 'cpuMs': 0, 'rssKb': rss_kb(), 'sessionEnded': True})
                    if msg.get('sessionId') is not None:
                        self.sessions.close(msg['sessionId'], 'fault')
            elif op == 'close_session':
                self.sessions.close(msg['sessionId'], 'closed')
                if msg.get('id') is not None:
                    send({'type': 'closed', 'id': msg['id']})
            elif op == 'probe':
                send(self.probe(msg))
            else:
                send({'type': 'error', 'message': 'unknown op %r' % op})
        self.sessions.close_all()
        for spare in self.spares:
            self.discard_spare(spare)

    # -------------------------------------------------------------- runs

    def new_workdir(self):
        self.counter += 1
        path = os.path.join(self.cfg['workdirBase'], 'run-%d-%d' % (os.getpid(), self.counter))
        os.mkdir(path, 0o700)
        return path

    def program_for(self, allow_subprocesses):
        return self.programs.get(bool(allow_subprocesses)) if self.cfg['seccomp'] else None

    def run(self, msg):
        # Cancels that arrived after their execution ended are stale.
        self.inbox.cancelled &= {msg['id']}
        if msg.get('sessionId') is not None:
            return self.sessions.run(msg)
        started = time.monotonic()
        limits = msg['limits']
        allow = bool(msg.get('allowSubprocesses'))
        spare = self.take_spare(limits, allow, msg['code'].encode('utf-8', 'surrogatepass'))
        if spare is None:
            spare = self.fork_child(limits, allow, msg['code'])
        pid, workdir, stdin_w, out_r, err_r, status_r = spare
        pidfd = os.pidfd_open(pid)
        stdin_data = (msg.get('stdin') or '').encode()
        stdin_open = True
        channel = sv.StatusChannel()
        try:
            outcome, captures = sv.supervise(
                msg['id'], pidfd, out_r, err_r, status_r, stdin_w, stdin_data, limits, self.inbox, channel)
            stdin_open = not outcome.feed_closed
            if outcome.reason is not None:
                sv.kill_group(pid)
            _, wait_status, usage = os.wait4(pid, 0)
            sv.kill_group(pid)  # anything the snippet left in its process group
            for fd in (out_r, err_r):
                sv.drain(fd, captures[fd])
            sv.drain_status(status_r, channel)
            cpu = usage.ru_utime + usage.ru_stime
            status, rc, note = sv.decide(outcome, wait_status, cpu, limits, child.MEMORY_EXIT)
            return self.reply(msg['id'], status, rc, note, captures[out_r], captures[err_r], started, cpu)
        finally:
            for fd in (pidfd, out_r, err_r, status_r) + ((stdin_w,) if stdin_open else ()):
                os.close(fd)
            # Under seccomp without subprocesses the child could not create a process, so nothing
            # can have re-parented here; live sessions may have left some, so sweep then too.
            if allow or self.program_for(allow) is None or self.sessions.pids():
                self.sweep_orphans()
            sv.remove_tree(workdir)
            self.inbox.cancelled.discard(msg['id'])

    # Children forked and confined ahead of need: the request path then only hands over the code.
    # A spare is used when the request's rlimits and subprocess policy are those it was made with.

    def fork_child(self, limits, allow_subprocesses, code):
        """Forks a confined child that runs `code`."""
        return self.fork_children(limits, allow_subprocesses, 1, code)[0]

    def fork_children(self, limits, allow_subprocesses, count, code=None):
        """Forks `count` confined children; with `code` None each waits for its code on fd 4 and
        joins the stock of spares. Every fork makes each page this server writes afterwards
        copy-on-write again while a child still shares it, so the pipes and work dirs are all
        made first and the forks follow back to back. A child briefly inherits its siblings'
        pipe ends; it closes them (closerange) before it signals READY."""
        program = self.program_for(allow_subprocesses)
        plans = []
        for _ in range(count):
            stdin_r, stdin_w = os.pipe()
            out_r, out_w = os.pipe()
            err_r, err_w = os.pipe()
            status_r, status_w = os.pipe()
            code_r, code_w = os.pipe() if code is None else (None, None)
            fds = {0: stdin_r, 1: out_w, 2: err_w, child.STATUS_FD: status_w}
            if code_r is not None:
                fds[child.COMMAND_FD] = code_r
            plans.append((self.new_workdir(), fds, code_w, (stdin_w, out_r, err_r, status_r)))
        fork = self.fork
        pids = []
        for workdir, fds, _, _ in plans:
            pid = fork()
            if pid == 0:
                child.arrange_fds(fds)
                child.stateless_main(self.cfg, workdir, limits, program, code, self.stdio)
            pids.append(pid)
        forked = []
        key = self.spare_key(limits, allow_subprocesses)
        for pid, (workdir, fds, code_w, (stdin_w, out_r, err_r, status_r)) in zip(pids, plans):
            for fd in fds.values():
                os.close(fd)
            spec = (pid, workdir, stdin_w, out_r, err_r, status_r)
            if code_w is not None:
                self.spares.append({'key': key, 'code_w': code_w, 'child': spec})
            forked.append(spec)
        return forked

    @staticmethod
    def spare_key(limits, allow_subprocesses):
        return (limits['cpuSeconds'], limits['memoryMb'], limits['fileSizeMb'], limits['openFiles'],
                limits['processes'], bool(allow_subprocesses))

    def take_spare(self, limits, allow_subprocesses, code):
        """The oldest spare made for these limits (it has had the longest to confine itself);
        when none matches, the stock was made for other limits and is discarded."""
        key = self.spare_key(limits, allow_subprocesses)
        while self.spares:
            spare = self.spares.pop(0)
            if spare['key'] != key:
                self.discard_spare(spare)
                continue
            try:
                view = memoryview(code)
                while view:
                    view = view[os.write(spare['code_w'], view):]
                os.close(spare['code_w'])
                return spare['child']
            except OSError:
                self.discard_spare(spare)  # it died while waiting (e.g. the OOM killer)
        return None

    def discard_spare(self, spare):
        pid, workdir, stdin_w, out_r, err_r, status_r = spare['child']
        sv.kill_group(pid)
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        for fd in (spare['code_w'], stdin_w, out_r, err_r, status_r):
            try:
                os.close(fd)
            except OSError:
                pass
        sv.remove_tree(workdir)

    def prepare_spares(self, limits, allow_subprocesses):
        """Forks a batch of `spareChildren` once the stock for these limits is used up. In batches
        because every fork makes each page this server writes afterwards copy-on-write again (a
        spare still shares it): forking one per run made the server copy its whole working set on
        every run, a batch of N pays that once per N runs. A stock made for other limits is
        discarded."""
        if not self.cfg.get('preforkChildren', True):
            return
        key = self.spare_key(limits, allow_subprocesses)
        for spare in [spare for spare in self.spares if spare['key'] != key]:
            self.spares.remove(spare)
            self.discard_spare(spare)
        if not self.spares:
            self.fork_children(limits, allow_subprocesses, self.cfg.get('spareChildren', 2))

    def reply(self, job_id, status, rc, note, out, err, started, cpu_seconds, **extra):
        stderr = err.text()
        if note:
            stderr = stderr + ('' if not stderr or stderr.endswith('\n') else '\n') + '[sandbox] ' + note + '\n'
        message = {'type': 'result', 'id': job_id, 'status': status, 'exitCode': rc,
                   'stdout': out.text(), 'stderr': stderr, 'truncated': out.truncated or err.truncated,
                   'wallMs': round((time.monotonic() - started) * 1000.0, 3),
                   'cpuMs': round(max(0.0, cpu_seconds) * 1000.0, 3), 'rssKb': rss_kb()}
        message.update(extra)
        return message

    def sweep_orphans(self):
        """Kills processes re-parented to this subreaper (daemons a snippet left behind)."""
        keep = self.sessions.pids() | {spare['child'][0] for spare in self.spares}
        for _ in range(50):
            found = []
            for tid in os.listdir('/proc/self/task'):
                try:
                    with open('/proc/self/task/%s/children' % tid) as fh:
                        found += [int(p) for p in fh.read().split()]
                except OSError:
                    continue
            found = [p for p in found if p not in keep]
            if not found:
                return
            for pid in found:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            for pid in found:
                try:
                    os.waitpid(pid, 0)
                except ChildProcessError:
                    pass

    # -------------------------------------------------------------- probe

    def probe(self, msg):
        import probe
        return probe.run_probe(self, msg)


def main():
    cfg = json.loads(sys.argv[1])
    for extra in cfg.get('extraSysPath', []):
        if extra not in sys.path:
            sys.path.append(extra)
    server = ForkServer(cfg)
    server.start()
    server.serve()


if __name__ == '__main__':
    main()
