"""Sessions: one long-lived confined child per session id, running cells in a
persistent namespace. Between cells the session's process group is stopped (SIGSTOP),
so threads it started burn no CPU. A cell that times out, passes the output cap, is
cancelled, breaks the framing or ends the process ends the session; the next cell with
that id starts afresh."""
import json
import os
import signal
import time

import child
import supervise as sv

STALE_NOTE = ('the previous cell kept running after its end was reported (the snippet forged its '
              'end-of-cell frame); the session was reset and this cell did not run')


class Session:
    def __init__(self, pid, pidfd, command_w, out_r, err_r, status_r, workdir, limits):
        self.pid = pid
        self.pidfd = pidfd
        self.command_w = command_w
        self.out_r = out_r
        self.err_r = err_r
        self.status_r = status_r
        self.workdir = workdir
        self.limits = limits
        self.cells = 0
        self.channel = sv.StatusChannel()
        self.frozen = False

    def expect(self, nonce):
        """Arms the status channel for the next cell: only its nonce ends it; the previous
        cell's nonce showing up again proves that cell ran on past its reported end."""
        channel = self.channel
        channel.stale_markers = [channel.marker] if channel.marker else []
        channel.marker = ('\n%s ' % nonce).encode()
        channel.frame = None
        channel.stale = False
        channel.window.clear()

    def signal_group(self, sig):
        try:
            os.killpg(self.pid, sig)
        except OSError:
            pass


class Sessions:
    def __init__(self, server):
        self.server = server
        self.by_id = {}

    def pids(self):
        return {s.pid for s in self.by_id.values()}

    def _spawn(self, msg):
        server = self.server
        limits = dict(msg['limits'])
        # RLIMIT_NPROC counts every task of the uid, and all sessions of this fork server
        # share it: leave room for them (process creation itself is denied by seccomp).
        limits['processes'] = limits['processes'] + server.cfg.get('sessionsPerWorker', 0)
        workdir = server.new_workdir()
        command_r, command_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        status_r, status_w = os.pipe()
        program = server.program_for(msg.get('allowSubprocesses'))
        pid = server.fork()
        if pid == 0:
            null = os.open('/dev/null', os.O_RDONLY)
            child.arrange_fds({0: null, 1: out_w, 2: err_w, child.STATUS_FD: status_w,
                               child.COMMAND_FD: command_r})
            child.session_main(server.cfg, workdir, limits, program, server.stdio)
        for fd in (command_r, out_w, err_w, status_w):
            os.close(fd)
        for fd in (out_r, err_r, status_r):
            os.set_blocking(fd, False)
        return Session(pid, os.pidfd_open(pid), command_w, out_r, err_r, status_r, workdir, msg['limits'])

    def run(self, msg):
        started = time.monotonic()
        sid = msg['sessionId']
        session = self.by_id.get(sid)
        created = session is None
        if created:
            session = self._spawn(msg)
            self.by_id[sid] = session
        elif session.frozen:
            session.signal_group(signal.SIGCONT)
            session.frozen = False
        limits = dict(msg['limits'])
        # Memory and file limits are fixed when the session starts.
        for key in ('memoryMb', 'fileSizeMb', 'openFiles', 'processes'):
            limits[key] = session.limits[key]
        # os.urandom is what secrets.token_hex draws from; importing secrets pulls in OpenSSL
        # (3.7 MiB more in a lean fork server, copied into every child).
        nonce = os.urandom(16).hex()
        session.expect(nonce)
        cell = (json.dumps({'nonce': nonce, 'code': msg['code'], 'stdin': msg.get('stdin') or '',
                            'cpuSeconds': limits['cpuSeconds']}) + '\n').encode()
        outcome, captures = sv.supervise(msg['id'], session.pidfd, session.out_r, session.err_r,
                                         session.status_r, session.command_w, cell, limits,
                                         self.server.inbox, session.channel)
        out, err = captures[session.out_r], captures[session.err_r]
        channel = session.channel
        session.cells += 1
        ended = outcome.reason is not None or not outcome.cell_done or channel.stale
        wait_status, cpu = None, 0.0
        if ended:
            wait_status, usage = self._end(sid, kill=True, drain=(out, err))
            if usage is not None:
                cpu = usage.ru_utime + usage.ru_stime
        else:
            # Frozen before the drain: everything in the pipes now belongs to this cell.
            session.signal_group(signal.SIGSTOP)
            session.frozen = True
            for fd, capture in ((session.out_r, out), (session.err_r, err)):
                sv.drain(fd, capture)
        self.server.inbox.cancelled.discard(msg['id'])
        if channel.stale and outcome.reason is None:
            blank = sv.Capture(0, 1)
            return self.server.reply(msg['id'], 'error', None, STALE_NOTE, blank, blank, started, cpu,
                                     sessionCreated=created, sessionEnded=True)
        if not ended:
            frame = channel.frame
            status = 'memory' if frame['memory'] else ('ok' if frame['rc'] == 0 else 'error')
            return self.server.reply(msg['id'], status, frame['rc'], None, out, err, started,
                                     frame['cpuMs'] / 1000.0, sessionCreated=created, sessionEnded=False)
        status, rc, note = sv.decide(outcome, wait_status, cpu, limits)
        if note is None and status not in ('timeout', 'output_limit', 'killed'):
            note = 'the session process ended; its state is gone'
        return self.server.reply(msg['id'], status, rc, note, out, err, started, cpu,
                                 sessionCreated=created, sessionEnded=True)

    def _end(self, sid, kill, drain=None):
        session = self.by_id.pop(sid, None)
        if session is None:
            return None, None
        if kill:
            sv.kill_group(session.pid)
        try:
            _, wait_status, usage = os.wait4(session.pid, 0)
        except ChildProcessError:
            wait_status, usage = None, None
        sv.kill_group(session.pid)
        if drain is not None:
            for fd, capture in zip((session.out_r, session.err_r), drain):
                sv.drain(fd, capture)
            sv.drain_status(session.status_r, session.channel)
        for fd in (session.pidfd, session.command_w, session.out_r, session.err_r, session.status_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self.server.sweep_orphans()
        sv.remove_tree(session.workdir)
        return wait_status, usage

    def close(self, sid, _reason):
        self._end(sid, kill=True)

    def close_all(self):
        for sid in list(self.by_id):
            self._end(sid, kill=True)
