"""Sessions: one long-lived confined child per session id, running cells in a
persistent namespace. A cell that times out, passes the output cap, is cancelled or
ends the process ends the session; the next cell with that id starts afresh."""
import json
import os
import time

import child
import supervise as sv


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


class Sessions:
    def __init__(self, server):
        self.server = server
        self.by_id = {}

    def pids(self):
        return {s.pid for s in self.by_id.values()}

    def _spawn(self, msg):
        server = self.server
        limits = msg['limits']
        workdir = server.new_workdir()
        command_r, command_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        status_r, status_w = os.pipe()
        program = server.program_for(msg.get('allowSubprocesses'))
        pid = os.fork()
        if pid == 0:
            null = os.open('/dev/null', os.O_RDONLY)
            child.arrange_fds({0: null, 1: out_w, 2: err_w, child.STATUS_FD: status_w,
                               child.COMMAND_FD: command_r})
            child.session_main(server.cfg, workdir, limits, program, server.stdio)
        for fd in (command_r, out_w, err_w, status_w):
            os.close(fd)
        for fd in (out_r, err_r, status_r):
            os.set_blocking(fd, False)
        return Session(pid, os.pidfd_open(pid), command_w, out_r, err_r, status_r, workdir, limits)

    def run(self, msg):
        started = time.monotonic()
        sid = msg['sessionId']
        session = self.by_id.get(sid)
        created = session is None
        if created:
            session = self._spawn(msg)
            self.by_id[sid] = session
        limits = dict(msg['limits'])
        # Memory and file limits are fixed when the session starts.
        for key in ('memoryMb', 'fileSizeMb', 'openFiles', 'processes'):
            limits[key] = session.limits[key]
        cell = (json.dumps({'code': msg['code'], 'stdin': msg.get('stdin') or '',
                            'cpuSeconds': limits['cpuSeconds']}) + '\n').encode()
        outcome, captures, _ = sv.supervise(msg['id'], session.pidfd, session.out_r, session.err_r,
                                            session.status_r, session.command_w, cell, limits,
                                            self.server.inbox, True)
        out, err = captures[session.out_r], captures[session.err_r]
        for fd, capture in ((session.out_r, out), (session.err_r, err)):
            sv.drain(fd, capture)
        session.cells += 1
        ended = outcome.reason is not None or outcome.status is None or 'setupError' in outcome.status
        wait_status = None
        cpu = (outcome.status or {}).get('cpuMs', 0.0) / 1000.0
        if ended:
            wait_status, usage = self._end(sid, kill=True)
            if outcome.status is None and usage is not None:
                cpu = usage.ru_utime + usage.ru_stime
        status, rc, note = sv.decide(outcome, wait_status, cpu, limits, outcome.status)
        if ended and note is None and status not in ('timeout', 'output_limit', 'killed'):
            note = 'the session process ended; its state is gone'
        self.server.inbox.cancelled.discard(msg['id'])
        return self.server.reply(msg['id'], status, rc, note, out, err, started, cpu,
                                 sessionCreated=created, sessionEnded=ended)

    def _end(self, sid, kill):
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
