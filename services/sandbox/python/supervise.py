"""Parent-side supervision of one execution: feeds stdin, captures output up to the
cap, enforces the wall clock, watches for cancellation, and decides the status."""
import errno
import json
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


class Outcome:
    def __init__(self):
        self.reason = None      # 'timeout' | 'output_limit' | 'killed' set by the supervisor
        self.exited = False     # the watched process ended
        self.status = None      # parsed status line (sessions: end of a cell)
        self.feed_closed = False  # the stdin pipe was closed here (stateless runs)


def supervise(job_id, pidfd, out_fd, err_fd, status_fd, feed_fd, feed_data, limits, inbox, wait_for_status):
    """Runs the poll loop until the process exits (stateless) or reports the end of a
    cell (sessions), the deadline passes, output passes the cap, or a cancel arrives."""
    keep = limits['maxOutputBytes']
    cap = max(limits['captureCapBytes'], keep)
    captures = {out_fd: Capture(keep, cap), err_fd: Capture(keep, cap)}
    outcome = Outcome()
    status_buf = bytearray()
    deadline = time.monotonic() + limits['timeoutMs'] / 1000.0
    poller = select.poll()
    for fd in (out_fd, err_fd, pidfd, status_fd):
        poller.register(fd, select.POLLIN)
    poller.register(0, select.POLLIN)
    view = memoryview(feed_data) if feed_data else None
    if view is not None:
        os.set_blocking(feed_fd, False)
        poller.register(feed_fd, select.POLLOUT)
    elif feed_fd is not None and not wait_for_status:
        os.close(feed_fd)
        outcome.feed_closed = True
        feed_fd = None

    def close_feed():
        nonlocal feed_fd, view
        poller.unregister(feed_fd)
        if not wait_for_status:
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
                data = os.read(status_fd, 65536)
                if not data:
                    poller.unregister(status_fd)
                    continue
                status_buf += data
                newline = status_buf.find(b'\n')
                if newline >= 0:
                    try:
                        outcome.status = json.loads(bytes(status_buf[:newline]))
                    except ValueError:
                        outcome.status = {'rc': 1, 'garbled': True}
                    if wait_for_status:
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
    return outcome, captures, status_buf


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


def decide(outcome, wait_status, cpu_seconds, limits, child_status):
    """Maps how the process ended to (status, exit_code, note)."""
    if outcome.reason is not None:
        return outcome.reason, None, None
    if child_status is not None and 'setupError' in child_status:
        return 'sandbox_error', None, 'sandbox setup failed: %s' % child_status['setupError']
    if wait_status is not None and os.WIFSIGNALED(wait_status):
        sig = os.WTERMSIG(wait_status)
        name = SIGNAL_NAMES.get(sig, str(sig))
        if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu_seconds >= limits['cpuSeconds']):
            return 'timeout', None, 'CPU time limit (%ss) exceeded' % limits['cpuSeconds']
        if sig == signal.SIGKILL:
            return 'killed', None, 'process was killed (SIGKILL), likely by the out-of-memory killer'
        return 'error', None, 'process died with signal %s' % name
    rc = child_status.get('rc') if child_status else None
    if wait_status is not None and os.WIFEXITED(wait_status):
        rc = os.WEXITSTATUS(wait_status)
    if child_status is not None and child_status.get('memory'):
        return 'memory', rc, None
    if rc is None:
        return 'sandbox_error', None, 'no exit status'
    return ('ok' if rc == 0 else 'error'), rc, None


def remove_tree(path):
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
