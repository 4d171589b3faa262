"""fork() without CPython's after-fork work, for a fork server that has a single thread.

os.fork() runs PyOS_AfterFork_Child in the child: it re-creates the GIL and the runtime's
locks (in case another thread held one at the fork) and runs every os.register_at_fork hook.
Those hooks are Python code that touches shared objects, and on a VM each page touched after a
fork costs a copy: threading's hook alone (numpy and sympy import threading) walks its thread
tables, and a warm child spent 1.4 ms of CPU and 260 page faults before running anything,
against 0.7 ms and 66 with the bare libc fork().

With one thread and the GIL held across the call, there is nothing to re-create: no lock can
be held by a thread that no longer exists, and glibc's fork() still resets its own (malloc)
locks and runs pthread_atfork handlers (OpenBLAS's). Of the Python hooks only random's matters
(each child reseeds its generator, or every run would draw the same numbers); it is redone
here. Each call checks the process still has one thread; if not, it is os.fork().
"""
import ctypes
import os
import sys

# PyDLL: the GIL stays held across the call, as os.fork() holds it.
_libc_fork = ctypes.PyDLL(None, use_errno=True).fork
_libc_fork.restype = ctypes.c_int
_libc_fork.argtypes = []


def single_threaded():
    """True when this process has one thread, so a bare fork() leaves no lock half-held
    (procfs counts a task directory's links as 2 plus its threads)."""
    return os.stat('/proc/self/task').st_nlink == 3


def fork():
    if not single_threaded():
        return os.fork()
    pid = _libc_fork()
    if pid < 0:
        err = ctypes.get_errno()
        raise OSError(err, 'fork: ' + os.strerror(err))
    if pid == 0:
        random = sys.modules.get('random')
        if random is not None:
            random.seed()
    return pid
