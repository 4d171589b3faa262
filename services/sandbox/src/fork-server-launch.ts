import { spawn } from 'node:child_process';
import { chmod, chown, copyFile, lstat, mkdir, mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SandboxConfig } from './sandbox-config.ts';

const PYTHON_SOURCE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'python');
/** Where the fork-server code appears inside bubblewrap. */
const BWRAP_LIB_DIR = '/opt/rft-sandbox';

/** The only environment fork servers and snippets ever see. */
export const SANDBOX_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/bin:/bin',
  LANG: 'C.UTF-8',
  OPENBLAS_NUM_THREADS: '1',
  OMP_NUM_THREADS: '1',
  MKL_NUM_THREADS: '1',
  MALLOC_ARENA_MAX: '2',
};

export interface RuntimeLayout {
  root: string;
  libDir: string;
  slotDir(slot: number): string;
  /** Deletes the runtime dir. */
  dispose(): Promise<void>;
}

/** Who a slot's fork server runs as: null when the service cannot change uid. */
export interface SlotIdentity {
  uid: number;
  gid: number;
}

export function slotIdentity(config: SandboxConfig, slot: number, serviceIsRoot: boolean): SlotIdentity | null {
  if (!serviceIsRoot) return null;
  const uid = config.perSlotUid ? config.sandboxUid + slot : config.sandboxUid;
  return { uid, gid: uid };
}

/**
 * Lays out the runtime dir: `lib/` with the fork-server code (root-owned, read-only to others)
 * and one private `slot-<i>/` per slot owned by that slot's uid.
 */
export async function prepareRuntime(config: SandboxConfig, serviceIsRoot: boolean): Promise<RuntimeLayout> {
  const parent = config.runtimeDir ?? tmpdir();
  await mkdir(parent, { recursive: true });
  const root = await mkdtemp(join(parent, 'rft-sandbox-'));
  await chmod(root, 0o711);
  const libDir = join(root, 'lib');
  await rm(libDir, { recursive: true, force: true });
  await mkdir(libDir, { mode: 0o755 });
  await chmod(libDir, 0o755);
  for (const name of await readdir(PYTHON_SOURCE_DIR)) {
    if (!name.endsWith('.py') && !name.endsWith('.txt')) continue; // code and the seccomp allow-list
    await copyFile(join(PYTHON_SOURCE_DIR, name), join(libDir, name));
    await chmod(join(libDir, name), 0o644);
  }
  const slotDir = (slot: number): string => join(root, `slot-${slot}`);
  for (let slot = 0; slot < config.poolSize + config.leanPoolSize; slot++) {
    await resetSlotDir(slotDir(slot), slotIdentity(config, slot, serviceIsRoot));
  }
  return {
    root,
    libDir,
    slotDir,
    dispose: () => rm(root, { recursive: true, force: true }),
  };
}

/** Empties a slot's private dir (left-overs of a crashed fork server) and hands it to its uid. */
export async function resetSlotDir(dir: string, identity: SlotIdentity | null): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { mode: 0o700 });
  await chmod(dir, 0o700);
  if (identity) await chown(dir, identity.uid, identity.gid);
}

export interface LaunchSpec {
  command: string;
  args: string[];
  identity: SlotIdentity | null;
  env: Record<string, string>;
  bwrap: boolean;
  /** Host directory holding this fork server's work dirs (null inside bubblewrap's own tmpfs). */
  hostWorkDir: string | null;
}

/** The JSON config the fork server receives as its only argument. */
export interface ForkServerConfig {
  workdirBase: string;
  seccomp: boolean;
  landlock: boolean;
  warm: boolean;
  hugePages: boolean;
  extraSysPath: string[];
  readDirs: string[];
  childEnv: Record<string, string>;
  sessionCpuSeconds: number;
  sessionsPerWorker: number;
  preforkChildren: boolean;
  spareChildren: number;
}

async function bwrapRootArgs(readOnlyPaths: readonly string[]): Promise<string[]> {
  const args: string[] = [];
  for (const path of readOnlyPaths) {
    const info = await lstat(path).catch(() => null);
    if (!info) continue;
    if (info.isSymbolicLink()) args.push('--symlink', await readlink(path), path);
    else args.push('--ro-bind', path, path);
  }
  return args;
}

/**
 * bubblewrap around one fork server: new user/pid/net/ipc/uts namespaces, read-only system
 * dirs, a size-limited private tmpfs for work dirs, read-only /dev and root. Started with an
 * empty environment and no secrets in argv (both are visible through /proc inside).
 */
export async function bwrapArgs(config: SandboxConfig, libDir: string, inner: string[]): Promise<string[]> {
  return [
    '--unshare-user',
    '--unshare-pid',
    '--unshare-net',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--die-with-parent',
    '--new-session',
    '--hostname',
    'sandbox',
    ...(await bwrapRootArgs(config.readOnlyPaths)),
    '--ro-bind',
    libDir,
    BWRAP_LIB_DIR,
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--remount-ro',
    '/dev',
    '--size',
    String(config.workDirMb * 1024 * 1024),
    '--perms',
    '0700',
    '--tmpfs',
    '/tmp',
    '--remount-ro',
    '/',
    '--chdir',
    '/tmp',
    '--',
    ...inner,
  ];
}

export async function launchSpec(
  config: SandboxConfig,
  layout: RuntimeLayout,
  slot: number,
  generation: number,
  identity: SlotIdentity | null,
  layers: { bwrap: boolean; seccomp: boolean; landlock: boolean },
  lean = false,
): Promise<LaunchSpec> {
  const libDir = layers.bwrap ? BWRAP_LIB_DIR : layout.libDir;
  const hostWorkDir = layers.bwrap ? null : join(layout.slotDir(slot), `work-${generation}`);
  const forkServerConfig: ForkServerConfig = {
    workdirBase: hostWorkDir ?? '/tmp/work',
    seccomp: layers.seccomp,
    landlock: layers.landlock,
    warm: config.warm && !lean,
    hugePages: config.hugePages,
    extraSysPath: config.extraSysPath,
    readDirs: config.readOnlyPaths,
    childEnv: { ...SANDBOX_ENV },
    sessionCpuSeconds: config.sessions.cpuSeconds,
    sessionsPerWorker: config.sessions.maxPerWorker,
    preforkChildren: config.preforkChildren,
    spareChildren: config.spareChildren,
  };
  const inner = [config.pythonPath, '-I', '-S', '-B', join(libDir, 'fork_server.py'), JSON.stringify(forkServerConfig)];
  const env = { ...SANDBOX_ENV };
  if (!layers.bwrap) return { command: inner[0]!, args: inner.slice(1), identity, env, bwrap: false, hostWorkDir };
  const args = await bwrapArgs(config, layout.libDir, inner);
  return { command: 'bwrap', args, identity, env, bwrap: true, hostWorkDir };
}

/** Tries `bwrap … true` as the sandbox identity; null when it works, else the reason. */
export async function bwrapUnavailableReason(
  config: SandboxConfig,
  layout: RuntimeLayout,
  identity: SlotIdentity | null,
): Promise<string | null> {
  const args = await bwrapArgs(config, layout.libDir, ['/usr/bin/true']);
  return new Promise((resolve) => {
    const child = spawn('bwrap', args, {
      env: { ...SANDBOX_ENV },
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(identity ? { uid: identity.uid, gid: identity.gid } : {}),
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => resolve(`bwrap could not be started: ${error.message}`));
    child.on('close', (code, signal) =>
      resolve(code === 0 ? null : `bwrap failed (${signal ?? `exit ${code}`}): ${stderr.trim() || 'no message'}`),
    );
  });
}
