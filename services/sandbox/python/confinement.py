"""Per-child confinement layers: rlimits, Landlock, seccomp.

Everything here runs either in the fork server at start (probing, compiling the
seccomp program once) or in a freshly forked child just before the snippet runs.
"""
import ctypes
import errno
import os
import resource
import struct

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.prctl.restype = ctypes.c_int
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_SECCOMP = 22
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2

# Landlock syscall numbers are shared by every architecture.
SYS_LANDLOCK_CREATE_RULESET = 444
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1

FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_TRUNCATE = 1 << 14
FS_IOCTL_DEV = 1 << 15
FS_READ_ONLY = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR

CLONE_THREAD = 0x00010000


def prctl(option, arg2=0, arg3=0, arg4=0, arg5=0):
    if _libc.prctl(option, arg2, arg3, arg4, arg5) != 0:
        err = ctypes.get_errno()
        raise OSError(err, 'prctl(%d): %s' % (option, os.strerror(err)))


# ---------------------------------------------------------------- rlimits

def apply_rlimits(limits):
    """limits: dict with cpuSeconds, memoryMb, fileSizeMb, openFiles, processes."""
    cpu = max(1, int(limits['cpuSeconds'] + 0.999))
    # Soft limit sends SIGXCPU, the hard limit one second later SIGKILL.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    mem = limits['memoryMb'] * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    fsize = limits['fileSizeMb'] * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits['openFiles'], limits['openFiles']))
    resource.setrlimit(resource.RLIMIT_NPROC, (limits['processes'], limits['processes']))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_MEMLOCK, (0, 0))
    resource.setrlimit(resource.RLIMIT_MSGQUEUE, (0, 0))


# ---------------------------------------------------------------- Landlock

def landlock_abi():
    """Landlock ABI version of the running kernel, 0 when unavailable."""
    abi = _libc.syscall(SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0),
                        ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION))
    return abi if abi > 0 else 0


def _fs_all(abi):
    mask = (1 << 13) - 1
    if abi >= 2:
        mask |= 1 << 13  # REFER
    if abi >= 3:
        mask |= FS_TRUNCATE
    if abi >= 5:
        mask |= FS_IOCTL_DEV
    return mask


def landlock_features(abi):
    return {
        'filesystem': abi >= 1,
        'tcp': abi >= 4,
        'signalScope': abi >= 6,
        'abstractUnixScope': abi >= 6,
    }


class PreparedLandlock:
    """Landlock rules laid out once, in the fork server: the read-only paths are opened there
    (O_PATH, kept above fd 100 so a child's fd shuffling never lands on them) and their rule
    structs built. A child then only opens its own work dir and makes the syscalls: the
    ruleset itself is created in the child, so no child can add a rule another one sees."""

    def __init__(self, abi, read_dirs, rw_files, read_files):
        import fcntl
        self.abi = abi
        self.fs_all = _fs_all(abi)
        net = 3 if abi >= 4 else 0
        scoped = 3 if abi >= 6 else 0
        if abi >= 6:
            attr = struct.pack('=QQQ', self.fs_all, net, scoped)
        elif abi >= 4:
            attr = struct.pack('=QQ', self.fs_all, net)
        else:
            attr = struct.pack('=Q', self.fs_all)
        self.attr = ctypes.create_string_buffer(attr, len(attr))
        self.attr_size = ctypes.c_size_t(len(attr))
        file_rw = FS_READ_FILE | FS_WRITE_FILE | (FS_TRUNCATE if abi >= 3 else 0)
        rules = [(p, FS_READ_ONLY) for p in read_dirs]
        rules += [(p, file_rw) for p in rw_files]
        rules += [(p, FS_READ_FILE) for p in read_files]
        self.fds = []
        self.rules = []
        for path, access in rules:
            try:
                opened = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except FileNotFoundError:
                continue
            fd = fcntl.fcntl(opened, fcntl.F_DUPFD_CLOEXEC, 100)
            os.close(opened)
            self.fds.append(fd)
            self.rules.append((path, ctypes.create_string_buffer(struct.pack('=Qi', access, fd), 12)))

    def apply(self, rw_dirs, own_read_dirs=()):
        """Confines the calling process: read-only `read_dirs` and `own_read_dirs` (opened
        here, e.g. /proc/self, which must name this process and not the fork server), full
        access under `rw_dirs`, nothing else; no TCP bind/connect (ABI 4); no signals to or abstract sockets of
        processes outside the domain (ABI 6)."""
        ruleset = _libc.syscall(SYS_LANDLOCK_CREATE_RULESET, self.attr, self.attr_size, ctypes.c_uint32(0))
        if ruleset < 0:
            err = ctypes.get_errno()
            raise OSError(err, 'landlock_create_ruleset: ' + os.strerror(err))
        try:
            for path, rule in self.rules:
                _add_rule(ruleset, path, rule)
            for path, access in [(p, self.fs_all) for p in rw_dirs] + [(p, FS_READ_ONLY) for p in own_read_dirs]:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                try:
                    _add_rule(ruleset, path, ctypes.create_string_buffer(struct.pack('=Qi', access, fd), 12))
                finally:
                    os.close(fd)
            prctl(PR_SET_NO_NEW_PRIVS, 1)
            if _libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
                err = ctypes.get_errno()
                raise OSError(err, 'landlock_restrict_self: ' + os.strerror(err))
        finally:
            os.close(ruleset)


def _add_rule(ruleset, path, rule):
    if _libc.syscall(SYS_LANDLOCK_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(LANDLOCK_RULE_PATH_BENEATH),
                     rule, ctypes.c_uint32(0)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, 'landlock_add_rule(%s): %s' % (path, os.strerror(err)))


# ---------------------------------------------------------------- seccomp

ALLOWLIST_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'seccomp-allowlist.txt')

CLONE_NAMESPACES = (0x00020000 | 0x02000000 | 0x04000000 | 0x08000000  # NEWNS, NEWCGROUP, NEWUTS, NEWIPC
                    | 0x10000000 | 0x20000000 | 0x40000000)  # NEWUSER, NEWPID, NEWNET
# ioctl requests a snippet may make: is-a-tty checks (TCGETS, TIOCGWINSZ), fd flags, bytes pending.
IOCTL_ALLOWED = {'TCGETS': 0x5401, 'TIOCGWINSZ': 0x5413, 'FIONREAD': 0x541B, 'FIONBIO': 0x5421,
                 'FIONCLEX': 0x5450, 'FIOCLEX': 0x5451}


def read_allowlist(path=ALLOWLIST_PATH):
    """Parses seccomp-allowlist.txt: `[section]` headers, `#` comments, names separated by
    whitespace. Returns {section: [names]}; a name listed twice is an error (a typo guard)."""
    sections, current, seen = {}, None, set()
    with open(path) as fh:
        for number, raw in enumerate(fh, 1):
            line = raw.split('#', 1)[0].strip()
            if not line:
                continue
            if line.startswith('[') and line.endswith(']'):
                current = sections.setdefault(line[1:-1], [])
                continue
            if current is None:
                raise ValueError('%s:%d: syscall names before the first [section]' % (path, number))
            for name in line.split():
                if name in seen:
                    raise ValueError('%s:%d: %s is listed twice' % (path, number, name))
                seen.add(name)
                current.append(name)
    return sections


def seccomp_available():
    try:
        import seccomp  # noqa: F401  (Debian python3-seccomp)
        return True
    except ImportError:
        return False


def build_seccomp_program(allow_subprocesses):
    """Compiles the allow-list filter once (libseccomp) and returns the raw BPF program.
    Default action EPERM: an unlisted call fails like any refused operation (Python raises
    PermissionError) instead of killing the process with SIGSYS (see the README)."""
    import seccomp
    allow = seccomp.ALLOW
    flt = seccomp.SyscallFilter(defaction=seccomp.ERRNO(errno.EPERM))

    def add(name, *args, action=allow):
        try:
            flt.add_rule(action, name, *args)
        except (RuntimeError, ValueError, OSError):
            pass  # syscall unknown on this architecture

    sections = read_allowlist()
    names = sections.get('always', []) + (sections.get('subprocesses', []) if allow_subprocesses else [])
    for name in names:
        add(name)
    for request in IOCTL_ALLOWED.values():
        add('ioctl', seccomp.Arg(1, seccomp.EQ, request))
    # prlimit64 only on the calling process itself (pid 0).
    add('prlimit64', seccomp.Arg(0, seccomp.EQ, 0))
    if allow_subprocesses:
        # fork-like clone, never into new namespaces.
        add('clone', seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_NAMESPACES, 0))
    else:
        # clone: threads only, never into new namespaces.
        add('clone', seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_THREAD | CLONE_NAMESPACES, CLONE_THREAD))
    # clone3 hides its flags in memory: ENOSYS makes libc fall back to clone.
    add('clone3', action=seccomp.ERRNO(errno.ENOSYS))
    # Through a pipe (the program is ~1.3 KiB, far below a pipe's buffer): `tempfile` would load
    # `random` into the fork server, and every child would then have to reseed it.
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, 'rb') as reader:
        with os.fdopen(write_end, 'wb') as writer:
            flt.export_bpf(writer)
        return reader.read()


class _SockFprog(ctypes.Structure):
    _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.c_void_p)]


class PreparedProgram:
    """A BPF program laid out for prctl once, in the fork server; children only load it."""

    def __init__(self, program):
        self.buffer = ctypes.create_string_buffer(program, len(program))
        self.fprog = _SockFprog(len(program) // 8, ctypes.cast(self.buffer, ctypes.c_void_p).value)
        self.address = ctypes.addressof(self.fprog)


def load_seccomp_program(prepared):
    """Installs a precompiled filter on the calling thread (and the threads it creates later)."""
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prepared.address)
