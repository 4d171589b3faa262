"""Verifies at start which isolation layers actually hold, by trying what each layer
must stop in a confined child. A layer is only reported active when its probe saw
the expected denial."""
import errno
import json
import os

import child
import confinement
import supervise as sv


def _in_child(server, cfg_overrides, program, check):
    cfg = dict(server.cfg)
    cfg.update(cfg_overrides)
    workdir = server.new_workdir()
    status_r, status_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        result = {}
        try:
            null = os.open('/dev/null', os.O_RDWR)
            child.arrange_fds({0: null, 1: null, 2: null, child.STATUS_FD: status_w})
            confine_limits = dict(server.probe_limits)
            child.confine(cfg, workdir, confine_limits, program, keep_fds=child.STATUS_FD + 1, stdio=server.stdio)
            result = check()
        except BaseException as exc:
            result = {'error': repr(exc)}
        os.write(child.STATUS_FD, json.dumps(result).encode())
        os._exit(0)
    os.close(status_w)
    chunks = []
    while True:
        data = os.read(status_r, 65536)
        if not data:
            break
        chunks.append(data)
    os.close(status_r)
    os.waitpid(pid, 0)
    sv.remove_tree(workdir)
    try:
        return json.loads(b''.join(chunks) or b'{}')
    except ValueError:
        return {'error': 'unreadable probe result'}


def _errno_of(action):
    try:
        action()
        return 0
    except OSError as exc:
        return exc.errno


def _check_seccomp():
    import socket
    return {
        'socket': _errno_of(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()),
        'fork': _errno_of(lambda: os._exit(0) if os.fork() == 0 else None),
        'kill': _errno_of(lambda: os.kill(os.getppid(), 0)),
    }


def _check_landlock(secret_path):
    def check():
        def read():
            with open(secret_path) as fh:
                fh.read()
        return {'readOther': _errno_of(read), 'writeEtc': _errno_of(lambda: open('/etc/.probe', 'w').close())}
    return check


def _check_namespaces():
    try:
        with open('/proc/net/dev') as fh:
            interfaces = [line.split(':')[0].strip() for line in fh.readlines()[2:]]
    except OSError:
        interfaces = None
    try:
        with open('/proc/1/cmdline', 'rb') as fh:
            init = fh.read().split(b'\0')[0].decode(errors='replace')
    except OSError:
        init = None
    return {'interfaces': interfaces, 'init': init,
            'writeRoot': _errno_of(lambda: open('/.probe', 'w').close())}


def run_probe(server, msg):
    cfg = server.cfg
    report = {'type': 'probe', 'id': msg.get('id'), 'uid': os.getuid(), 'gid': os.getgid(),
              'groups': os.getgroups()}
    server.probe_limits = msg['limits']

    if cfg['seccomp']:
        seen = _in_child(server, {'landlockAbi': 0}, server.program_for(False), _check_seccomp)
        ok = seen.get('socket') == errno.EPERM and seen.get('fork') == errno.EPERM and seen.get('kill') == errno.EPERM
        report['seccomp'] = {'active': ok, 'seen': seen}
    else:
        report['seccomp'] = {'active': False, 'seen': None}

    abi = confinement.landlock_abi()
    report['landlockAbi'] = abi
    if cfg['landlockAbi'] > 0:
        other = os.path.join(server.new_workdir(), 'secret')
        with open(other, 'w') as fh:
            fh.write('x')
        seen = _in_child(server, {}, None, _check_landlock(other))
        sv.remove_tree(os.path.dirname(other))
        ok = seen.get('readOther') == errno.EACCES
        report['landlock'] = {'active': ok, 'seen': seen, 'features': confinement.landlock_features(cfg['landlockAbi'])}
    else:
        report['landlock'] = {'active': False, 'seen': None, 'features': confinement.landlock_features(0)}

    report['namespaces'] = _in_child(server, {'landlockAbi': 0}, None, _check_namespaces)
    report['seccompAvailable'] = confinement.seccomp_available()
    return report
