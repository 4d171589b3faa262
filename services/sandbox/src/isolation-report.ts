import type { LayerMode, SandboxConfig } from './sandbox-config.ts';
import type { ProbeReport } from './fork-server-process.ts';
import type { SlotIdentity } from './fork-server-launch.ts';

export interface LayerReport {
  mode: LayerMode | 'always';
  /** True only when a probe saw the layer deny what it must deny. */
  active: boolean;
  detail: string;
}

export interface IsolationReport {
  uid: LayerReport;
  rlimits: LayerReport;
  wallClock: LayerReport;
  outputCap: LayerReport;
  seccomp: LayerReport;
  landlock: LayerReport & { abi: number };
  bwrap: LayerReport;
  /** e.g. "uid 10001+, rlimits, seccomp, landlock abi 7, bwrap". */
  summary: string;
}

export interface IsolationInputs {
  config: SandboxConfig;
  identity: SlotIdentity | null;
  serviceUid: number;
  bwrapLaunched: boolean;
  bwrapUnavailable: string | null;
  probe: ProbeReport;
}

const EPERM = 1;
const EACCES = 13;
const EROFS = 30;

function uidLayer(input: IsolationInputs): LayerReport {
  const { probe, identity, serviceUid, config } = input;
  if (probe.uid === 0) return { mode: 'require', active: false, detail: 'fork server runs as root' };
  if (identity) {
    const ok = probe.uid === identity.uid && probe.gid === identity.gid && probe.groups.length === 0;
    const range = config.perSlotUid
      ? `${config.sandboxUid}..${config.sandboxUid + config.poolSize - 1} (one per slot)`
      : `${config.sandboxUid}`;
    return {
      mode: 'require',
      active: ok,
      detail: ok
        ? `snippets run as dedicated uid/gid ${range}, no supplementary groups`
        : `expected uid ${identity.uid}, fork server reports uid ${probe.uid} gid ${probe.gid} groups ${probe.groups.join(',')}`,
    };
  }
  return {
    mode: 'require',
    active: false,
    detail: `service is not root: fork servers share the service uid ${serviceUid} (allowed by allowSameUid)`,
  };
}

function seccompLayer(input: IsolationInputs): LayerReport {
  const { config, probe } = input;
  const mode = config.layers.seccomp;
  if (mode === 'off') return { mode, active: false, detail: 'disabled by configuration' };
  if (!probe.seccompAvailable)
    return { mode, active: false, detail: 'python3-seccomp (libseccomp) is not installed for the sandbox interpreter' };
  return probe.seccomp.active
    ? { mode, active: true, detail: 'BPF filter verified: socket, fork, kill denied (EPERM); also exec, ptrace, namespaces, io_uring, bpf' }
    : { mode, active: false, detail: `filter did not deny as expected: ${JSON.stringify(probe.seccomp.seen)}` };
}

function landlockLayer(input: IsolationInputs): LayerReport & { abi: number } {
  const { config, probe } = input;
  const mode = config.layers.landlock;
  const abi = probe.landlockAbi;
  if (mode === 'off') return { mode, abi, active: false, detail: 'disabled by configuration' };
  if (abi === 0) return { mode, abi, active: false, detail: 'kernel has no Landlock (or it is not enabled)' };
  if (!probe.landlock.active)
    return { mode, abi, active: false, detail: `ruleset did not deny as expected: ${JSON.stringify(probe.landlock.seen)}` };
  const features = Object.entries(probe.landlock.features)
    .filter(([, on]) => on)
    .map(([name]) => name);
  return { mode, abi, active: true, detail: `ABI ${abi}: read-only system, private work dir; ${features.join(', ')}` };
}

function bwrapLayer(input: IsolationInputs): LayerReport {
  const { config, probe, bwrapLaunched, bwrapUnavailable } = input;
  const mode = config.layers.bwrap;
  if (mode === 'off') return { mode, active: false, detail: 'disabled by configuration' };
  if (!bwrapLaunched) return { mode, active: false, detail: bwrapUnavailable ?? 'not launched' };
  const ns = probe.namespaces;
  const loopbackOnly = Array.isArray(ns.interfaces) && ns.interfaces.every((name) => name === 'lo');
  const readOnlyRoot = ns.writeRoot === EROFS || ns.writeRoot === EACCES || ns.writeRoot === EPERM;
  const ok = loopbackOnly && readOnlyRoot;
  return ok
    ? { mode, active: true, detail: 'user, pid, net, ipc, uts namespaces; read-only root; private size-limited /tmp' }
    : { mode, active: false, detail: `namespaces not as expected: ${JSON.stringify(ns)}` };
}

export function assessIsolation(input: IsolationInputs): { report: IsolationReport; problems: string[] } {
  const { config } = input;
  const uid = uidLayer(input);
  const seccomp = seccompLayer(input);
  const landlock = landlockLayer(input);
  const bwrap = bwrapLayer(input);
  const report: IsolationReport = {
    uid,
    rlimits: {
      mode: 'always',
      active: true,
      detail: `CPU, address space, file size ${config.fileSizeMb} MiB, ${config.openFiles} open files, ${config.processes} processes, no core dumps`,
    },
    wallClock: { mode: 'always', active: true, detail: 'SIGKILL to the whole process group at the deadline' },
    outputCap: { mode: 'always', active: true, detail: `killed past ${config.captureCapBytes} bytes per stream` },
    seccomp,
    landlock,
    bwrap,
    summary: [
      uid.active ? 'dedicated uid' : 'SAME UID',
      'rlimits',
      'wall clock',
      'output cap',
      seccomp.active ? 'seccomp' : null,
      landlock.active ? `landlock abi ${landlock.abi}` : null,
      bwrap.active ? 'bwrap' : null,
    ]
      .filter((part) => part !== null)
      .join(', '),
  };
  const problems: string[] = [];
  if (!uid.active && !(input.identity === null && config.allowSameUid && input.probe.uid !== 0)) {
    problems.push(
      input.identity === null
        ? `uid: the service runs as uid ${input.serviceUid} and cannot drop to a dedicated uid; set allowSameUid (SANDBOX_ALLOW_SAME_UID=true) only in a container that holds nothing but the sandbox`
        : `uid: ${uid.detail}`,
    );
  }
  if (input.identity === null && !landlock.active && !bwrap.active) {
    problems.push(
      "uid: executions share the service uid and neither Landlock nor bubblewrap is active, so they could read the service through /proc (environ, mem) and each other's work dirs",
    );
  }
  for (const [name, layer] of [
    ['seccomp', seccomp],
    ['landlock', landlock],
    ['bwrap', bwrap],
  ] as const) {
    if (layer.mode === 'require' && !layer.active) problems.push(`${name}: required but not active: ${layer.detail}`);
  }
  return { report, problems };
}

/** Layers a later fork server must show again (a restart must not quietly lose one). */
export function sameLayers(expected: IsolationReport, probe: ProbeReport): string | null {
  if (expected.seccomp.active && !probe.seccomp.active) return 'seccomp no longer verified';
  if (expected.landlock.active && !probe.landlock.active) return 'landlock no longer verified';
  return null;
}
