"""What runs inside a forked child: confinement, then the snippet (or a session loop).

File descriptors in the child: 0 stdin, 1 stdout, 2 stderr (all pipes to the fork
server), 3 status pipe, 4 command pipe (sessions only). Everything else is closed
before any snippet code runs.

Nothing the snippet can write decides how a run is reported. After confinement the
child writes one READY byte on fd 3: without it the fork server reports a setup
failure; with it, the outcome comes from the exit status, rusage and the fork server's
own timers. A stateless child closes fd 3 before the snippet runs. A session child
keeps it to mark the end of each cell with a frame carrying the cell's random nonce,
which the fork server only accepts for the cell it is waiting for.
"""
import builtins
import fcntl
import io
import json
import os
import resource
import signal
import sys
import traceback

import confinement

STATUS_FD = 3
COMMAND_FD = 4
READY = b'R'
# Exit status of a stateless child whose snippet died of MemoryError. A snippet that
# calls sys.exit(121) itself is reported as `memory`: its own choice, like any exit code.
MEMORY_EXIT = 121


def arrange_fds(targets):
    """Places fds at fixed numbers ({target: source}) without clobbering a source that
    happens to sit on another target number: everything is first moved above 100."""
    high = {target: fcntl.fcntl(source, fcntl.F_DUPFD, 100) for target, source in targets.items()}
    for target, source in high.items():
        os.dup2(source, target)
        os.close(source)


def confine(cfg, workdir, limits, seccomp_program, keep_fds, stdio):
    """Turns the freshly forked child into a sandboxed process. Order matters: Landlock goes
    before the fds are closed (its rules name paths the fork server opened once), seccomp
    last because it forbids calls the earlier steps need. Everything a child does here
    costs page faults on memory shared with the fork server, so what does not depend on
    the run (seccomp program, Landlock rules, environment, stdio objects) is prepared there."""
    parent = os.getppid()
    # Die with the fork server: nothing else would enforce the wall clock any more.
    confinement.prctl(confinement.PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(70)
    os.setsid()
    if cfg['landlockAbi'] > 0:
        cfg['landlockRules'].apply(rw_dirs=[workdir], own_read_dirs=['/proc/self'])
    os.closerange(keep_fds, 1 << 16)
    os.chdir(workdir)
    # The rest of the environment is the fork server's own (`prepare_environment`).
    os.environ['HOME'] = workdir
    os.environ['TMPDIR'] = workdir
    # A lean fork server never imports tempfile (a snippet importing it reads TMPDIR); numpy or
    # sympy may have, and it may have cached the fork server's directory.
    if 'tempfile' in sys.modules:
        sys.modules['tempfile'].tempdir = workdir
    _install_stdio(stdio)
    confinement.apply_rlimits(limits)
    if seccomp_program is not None:
        confinement.load_seccomp_program(seccomp_program)


def prepare_environment(cfg):
    """Run once in the fork server: children inherit exactly `childEnv` and only set the
    variables naming their work dir."""
    os.environ.clear()
    os.environ.update(cfg['childEnv'])
    if cfg['landlockAbi'] > 0:
        cfg['landlockRules'] = confinement.PreparedLandlock(
            cfg['landlockAbi'],
            read_dirs=cfg['readDirs'],
            rw_files=['/dev/null', '/dev/full'],
            read_files=['/dev/zero', '/dev/urandom', '/dev/random'],
        )


def prepare_stdio():
    """Builds the child's stream objects once, in the fork server: they only name fds 0-2,
    which every child re-points at its own pipes. Unbuffered, so `print(); os._exit(0)`
    keeps its output."""
    def writer(fd):
        return io.TextIOWrapper(io.FileIO(fd, 'w', closefd=False), encoding='utf-8', errors='backslashreplace',
                                write_through=True)
    reader = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, 'r', closefd=False)), encoding='utf-8', errors='replace')
    return reader, writer(1), writer(2)


def _install_stdio(prepared):
    sys.stdin, sys.stdout, sys.stderr = prepared
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = prepared


def _set_stdin(stdin_bytes):
    raw = io.BufferedReader(io.BytesIO(stdin_bytes))
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(raw, encoding='utf-8', errors='replace')


def fresh_globals():
    return {'__name__': '__main__', '__builtins__': builtins, '__doc__': None}


def run_code(code, globals_):
    """Runs one snippet. Returns (exit_code, out_of_memory)."""
    try:
        compiled = compile(code, '<snippet>', 'exec')
    except (SyntaxError, ValueError) as exc:
        traceback.print_exception(type(exc), exc, None)
        return 1, False
    try:
        exec(compiled, globals_)
        return 0, False
    except SystemExit as exc:
        return _exit_code(exc), False
    except MemoryError as exc:
        _print_traceback(exc)
        return 1, True
    except BaseException as exc:  # the snippet's own fault: report it like the interpreter would
        _print_traceback(exc)
        return 1, False


def _exit_code(exc):
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        print(code, file=sys.stderr)
    except Exception:
        pass
    return 1


def _print_traceback(exc):
    try:
        tb = exc.__traceback__.tb_next if exc.__traceback__ is not None else None  # drop run_code's frame
        traceback.print_exception(type(exc), exc, tb)
    except BaseException:
        try:
            os.write(2, ('%s\n' % type(exc).__name__).encode())
        except OSError:
            pass


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


def _signal_ready():
    os.write(STATUS_FD, READY)


def stateless_main(cfg, workdir, limits, seccomp_program, code, stdio):
    """Child of a stateless run: never returns. With `code` None it is a spare, forked and
    confined ahead of need, that reads its code from fd 4 until EOF. The status pipe is
    closed before the snippet runs; the exit status is the only thing it reports."""
    try:
        spare = code is None
        confine(cfg, workdir, limits, seccomp_program, keep_fds=(COMMAND_FD if spare else STATUS_FD) + 1, stdio=stdio)
        _signal_ready()
        if spare:
            code = _read_all(COMMAND_FD).decode('utf-8', 'surrogatepass')
            os.close(COMMAND_FD)
        os.close(STATUS_FD)
    except BaseException as exc:
        _report_setup_failure(exc)
        os._exit(70)
    rc = 1
    try:
        rc, oom = run_code(code, fresh_globals())
        _flush()
        if oom:
            rc = MEMORY_EXIT
    finally:
        os._exit(rc)


def _read_all(fd):
    chunks = []
    while True:
        data = os.read(fd, 1 << 20)
        if not data:
            return b''.join(chunks)
        chunks.append(data)


def _report_setup_failure(exc):
    """Written to stderr before any snippet ran, so the fork server can quote it."""
    try:
        os.write(2, ('setup failed: %r\n' % (exc,)).encode())
    except OSError:
        pass


def _cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cell_frame(nonce, rc, oom, cpu_ms):
    """End-of-cell frame: `\n<nonce> <rc> <memory 0|1> <cpu ms>\n`. The leading newline
    separates it from anything the snippet wrote on fd 3 without one."""
    return ('\n%s %d %d %.3f\n' % (nonce, rc, 1 if oom else 0, cpu_ms)).encode()


def session_main(cfg, workdir, limits, seccomp_program, stdio):
    """Child of a session: runs cells read from the command pipe until it ends."""
    try:
        session_limits = dict(limits)
        session_limits['cpuSeconds'] = cfg['sessionCpuSeconds']
        confine(cfg, workdir, session_limits, seccomp_program, keep_fds=COMMAND_FD + 1, stdio=stdio)
        commands = os.fdopen(COMMAND_FD, 'rb')
        _signal_ready()
    except BaseException as exc:
        _report_setup_failure(exc)
        os._exit(70)
    globals_ = fresh_globals()
    rc = 0
    try:
        while True:
            line = commands.readline()
            if not line:
                break
            cell = json.loads(line)
            nonce = cell.pop('nonce')
            _set_stdin((cell.get('stdin') or '').encode())
            used = _cpu_seconds()
            soft = min(cfg['sessionCpuSeconds'], int(used + cell['cpuSeconds'] + 1))
            resource.setrlimit(resource.RLIMIT_CPU, (soft, cfg['sessionCpuSeconds'] + 1))
            code, oom = run_code(cell.pop('code'), globals_)
            _flush()
            os.write(STATUS_FD, cell_frame(nonce, code, oom, (_cpu_seconds() - used) * 1000.0))
            del nonce, cell
    except BaseException:
        rc = 70
    finally:
        os._exit(rc)
