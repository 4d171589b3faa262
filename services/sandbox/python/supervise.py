"""Parent-side supervision of one execution: feeds stdin, captures output up to the
cap, enforces the wall clock, watches for cancellation, and decides the status."""
import errno
import os
import select
import shutil
import signal
import time


class Capture:
    """Keeps the first `keep` bytes and a rolling tail; reports when `cap` is passed."""

    def __init__(self, keep, cap):
        self.keep = keep
        self.cap = cap
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def feed(self, data):
        self.total += len(data)
        room = self.keep - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail += data
            tail_keep = self.keep // 2
            if len(self.tail) > 2 * tail_keep + 65536:
                del self.tail[:-tail_keep]
        return self.total > self.cap

    @property
    def truncated(self):
        return self.total > self.keep

    def text(self):
        if self.total <= self.keep:
            return self.head.decode('utf-8', 'replace')
        tail_keep = self.keep // 2
        head_keep = self.keep - tail_keep
        rest = bytes(self.head[head_keep:]) + bytes(self.tail)
        last = rest[-tail_keep:] if tail_keep > 0 else b''
        omitted = self.total - head_keep - len(last)
        return (self.head[:head_keep].decode('utf-8', 'replace')
                + '\n...[%d bytes omitted]...\n' % omitted
                + last.decode('utf-8', 'replace'))


# Bytes of the status pipe kept: a frame is < 100 bytes; anything a snippet writes
# there beyond this window is dropped, so flooding fd 3 costs the fork server nothing.
STATUS_WINDOW = 1024


class StatusChannel:
    """The child's status pipe as the fork server sees it: the READY byte, then (sessions)
    end-of-cell frames. Only a frame carrying the nonce of the awaited cell counts; a frame
    carrying an earlier cell's nonce proves the earlier cell ran on after its end was
    reported (a snippet that found its nonce in memory), and ends the session."""

    def __init__(self, nonce=None, stale_nonces=()):
        self.ready = False
        self.window = bytearray()
        self.frame = None
        self.stale = False
        self.received = 0
        self.marker = ('\n%s ' % nonce).encode() if nonce else None
        self.stale_markers = [('\n%s ' % n).encode() for n in stale_nonces]

    def feed(self, data):
        if not self.received and data[:1] == b'R':
            self.ready = True
        self.received += len(data)
        self.window += data
        if self.marker is not None:
            self._scan()
        if len(self.window) > STATUS_WINDOW:
            del self.window[:-STATUS_WINDOW // 2]

    def _scan(self):
        for stale in self.stale_markers:
            if stale in self.window:
                self.stale = True
        at = self.window.find(self.marker)
        if at < 0 or self.frame is not None:
            return
        end = self.window.find(b'\n', at + len(self.marker))
        if end < 0:
            return
        fields = bytes(self.window[at + len(self.marker):end]).split()
        try:
            self.frame = {'rc': int(fields[0]) & 0xFF, 'memory': fields[1] == b'1', 'cpuMs': max(0.0, float(fields[2]))}
        except (IndexError, ValueError):
            self.frame = {'rc': 1, 'memory': False, 'cpuMs': 0.0}


class Outcome:
    def __init__(self, channel):
        self.reason = None      # 'timeout' | 'output_limit' | 'killed' set by the supervisor
        self.exited = False     # the watched process ended
        self.channel = channel  # what arrived on the status pipe
        self.feed_closed = False  # the stdin pipe was closed here (stateless runs)

    @property
    def cell_done(self):
        return self.channel.frame is not None


def supervise(job_id, pidfd, out_fd, err_fd, status_fd, feed_fd, feed_data, limits, inbox, channel):
    """Runs the poll loop until the process exits (stateless) or sends the awaited end-of-cell
    frame (sessions: `channel.marker` set), the deadline passes, output passes the cap, or a
    cancel arrives."""
    wait_for_frame = channel.marker is not None
    keep = limits['maxOutputBytes']
    cap = max(limits['captureCapBytes'], keep)
    captures = {out_fd: Capture(keep, cap), err_fd: Capture(keep, cap)}
    outcome = Outcome(channel)
    deadline = time.monotonic() + limits['timeoutMs'] / 1000.0
    poller = select.poll()
    for fd in (out_fd, err_fd, pidfd, status_fd):
        poller.register(fd, select.POLLIN)
    poller.register(0, select.POLLIN)
    view = memoryview(feed_data) if feed_data else None
    if view is not None:
        os.set_blocking(feed_fd, False)
        poller.register(feed_fd, select.POLLOUT)
    elif feed_fd is not None and not wait_for_frame:
        os.close(feed_fd)
        outcome.feed_closed = True
        feed_fd = None

    def close_feed():
        nonlocal feed_fd, view
        poller.unregister(feed_fd)
        if not wait_for_frame:
            os.close(feed_fd)
            outcome.feed_closed = True
            feed_fd = None
        view = None

    while outcome.reason is None and not outcome.exited:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            outcome.reason = 'timeout'
            break
        for fd, _events in poller.poll(max(1, int(remaining * 1000))):
            if fd in captures:
                try:
                    data = os.read(fd, 65536)
                except BlockingIOError:
                    continue
                if not data:
                    poller.unregister(fd)
                elif captures[fd].feed(data):
                    outcome.reason = 'output_limit'
            elif fd == feed_fd and view is not None:
                try:
                    written = os.write(feed_fd, view[:65536])
                    view = view[written:]
                    if not view:
                        close_feed()
                except BlockingIOError:
                    pass
                except OSError:  # the process stopped reading (EPIPE)
                    close_feed()
            elif fd == pidfd:
                outcome.exited = True
            elif fd == status_fd:
                try:
                    data = os.read(status_fd, 65536)
                except BlockingIOError:
                    continue
                if not data:
                    poller.unregister(status_fd)
                    continue
                channel.feed(data)
                if wait_for_frame and (channel.frame is not None or channel.stale):
                    outcome.exited = True
            elif fd == 0:
                if inbox.pump_and_check_cancel(job_id):
                    outcome.reason = 'killed'
                elif inbox.eof:  # the service closed the pipe: finish this run, then exit
                    poller.unregister(0)
    if view is not None and feed_fd is not None:
        try:
            poller.unregister(feed_fd)
        except KeyError:
            pass
    return outcome, captures


def drain_status(fd, channel):
    """Reads what is left in the status pipe (the READY byte may arrive with the exit)."""
    os.set_blocking(fd, False)
    for _ in range(64):
        try:
            data = os.read(fd, 65536)
        except (BlockingIOError, OSError):
            return
        if not data:
            return
        channel.feed(data)


def drain(fd, capture):
    """Reads what is already in a pipe without waiting for EOF (a stray grandchild may hold it)."""
    os.set_blocking(fd, False)
    while True:
        try:
            data = os.read(fd, 65536)
        except (BlockingIOError, OSError):
            return
        if not data:
            return
        capture.feed(data)


def kill_group(pid):
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except OSError as exc:
            if exc.errno != errno.ESRCH:
                raise


SIGNAL_NAMES = {int(s): s.name for s in signal.Signals}


def decide(outcome, wait_status, cpu_seconds, limits, memory_exit=None):
    """Maps how the process ended to (status, exit_code, note), from what the fork server saw:
    its own timers and caps, the READY byte, the wait status and rusage. `memory_exit` is the
    exit code the child uses for MemoryError (stateless runs)."""
    if outcome.reason is not None:
        return outcome.reason, None, None
    if not outcome.channel.ready:
        return 'sandbox_error', None, 'sandbox setup failed before the code ran'
    if wait_status is not None and os.WIFSIGNALED(wait_status):
        sig = os.WTERMSIG(wait_status)
        name = SIGNAL_NAMES.get(sig, str(sig))
        if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu_seconds >= limits['cpuSeconds']):
            return 'timeout', None, 'CPU time limit (%ss) exceeded' % limits['cpuSeconds']
        if sig == signal.SIGKILL:
            return 'killed', None, 'process was killed (SIGKILL), likely by the out-of-memory killer'
        return 'error', None, 'process died with signal %s' % name
    if wait_status is not None and os.WIFEXITED(wait_status):
        rc = os.WEXITSTATUS(wait_status)
        if memory_exit is not None and rc == memory_exit:
            return 'memory', 1, None
        return ('ok' if rc == 0 else 'error'), rc, None
    return 'error', None, 'the process ended without an exit status'


def remove_tree(path):
    try:
        os.rmdir(path)  # the common case: the snippet left its work dir empty
        return
    except OSError:
        pass
    def fix_and_retry(func, target, _exc):
        try:
            os.chmod(os.path.dirname(target), 0o700)
            os.chmod(target, 0o700)
        except OSError:
            pass
        try:
            func(target)
        except OSError:
            pass
    shutil.rmtree(path, onerror=fix_and_retry)
