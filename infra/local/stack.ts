// The local stack: Redis, Postgres and an S3-compatible server on loopback.
// `up` uses what is already running, starts (installing Debian packages if needed) what is not,
// creates the bucket and the database; `down` stops only what `up` started.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createS3Client, ensureBucket } from '@rft/storage';
import { Redis } from 'ioredis';
import pg from 'pg';

const ROOT = join(import.meta.dirname, '..', '..');
const STATE_DIR = join(ROOT, '.local');
const STATE_FILE = join(STATE_DIR, 'stack-state.json');

export const STACK_DEFAULTS = {
  postgresAdminUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: 'redis://127.0.0.1:6379',
  s3Port: 9000,
  bucket: 'rft',
};

interface StackState {
  started: Array<'postgres' | 'redis' | 's3'>;
  s3Pid?: number;
}

const log = (message: string) => console.log(`[stack] ${message}`);

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitForPort(port: number, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await portOpen(port)) return;
    await sleep(200);
  }
  throw new Error(`${what} did not start listening on 127.0.0.1:${port} within ${timeoutMs / 1000}s`);
}

function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function aptInstall(packages: string[]): void {
  log(`installing ${packages.join(' ')} from Debian`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', ...packages], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** Debian packages the sandbox needs: Python with numpy and sympy, libseccomp bindings, bubblewrap. */
export const SANDBOX_PACKAGES = ['python3', 'python3-numpy', 'python3-sympy', 'python3-seccomp', 'bubblewrap'];

function debianPackageInstalled(name: string): boolean {
  try {
    execFileSync('dpkg', ['-s', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function ensureDebianPackages(packages: readonly string[]): void {
  const missing = packages.filter((p) => !debianPackageInstalled(p));
  if (missing.length) aptInstall(missing);
}

async function ensurePostgres(state: StackState): Promise<void> {
  if (await portOpen(5432)) return;
  if (!existsSync('/etc/postgresql')) aptInstall(['postgresql']);
  const version = readdirSync('/etc/postgresql')[0];
  if (!version) throw new Error('no PostgreSQL cluster under /etc/postgresql');
  log(`starting PostgreSQL ${version}`);
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'inherit' });
  await waitForPort(5432, 'PostgreSQL');
  state.started.push('postgres');
}

async function ensureRedis(state: StackState): Promise<void> {
  if (!(await portOpen(6379))) {
    if (!has('redis-server')) aptInstall(['redis-server']);
    log('starting Redis');
    mkdirSync('/var/lib/redis', { recursive: true });
    mkdirSync('/var/log/redis', { recursive: true });
    execFileSync('redis-server', [
      '--daemonize',
      'yes',
      '--bind',
      '127.0.0.1',
      '-::1',
      '--port',
      '6379',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      '/var/lib/redis',
      '--logfile',
      '/var/log/redis/ci.log',
      '--maxmemory-policy',
      'noeviction',
    ]);
    await waitForPort(6379, 'Redis');
    state.started.push('redis');
  }
  const redis = new Redis(STACK_DEFAULTS.redisUrl, { maxRetriesPerRequest: 3 });
  try {
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];
    if (policy !== 'noeviction') {
      log(`Redis maxmemory-policy is "${policy}"; BullMQ requires noeviction: setting it`);
      await redis.config('SET', 'maxmemory-policy', 'noeviction');
      const [, after] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];
      if (after !== 'noeviction') throw new Error(`could not set Redis maxmemory-policy to noeviction (still "${after}")`);
    }
  } finally {
    redis.disconnect();
  }
}

async function ensureS3(state: StackState): Promise<void> {
  const port = STACK_DEFAULTS.s3Port;
  if (!(await portOpen(port))) {
    log(`starting s3rver on 127.0.0.1:${port}`);
    mkdirSync(STATE_DIR, { recursive: true });
    const out = openSync(join(STATE_DIR, 's3rver.log'), 'a');
    const child = spawn(process.execPath, [join(import.meta.dirname, 's3-server.ts'), String(port), join(STATE_DIR, 's3')], {
      detached: true,
      stdio: ['ignore', out, out],
    });
    child.unref();
    state.s3Pid = child.pid;
    state.started.push('s3');
    await waitForPort(port, 's3rver');
  }
  const client = createS3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    bucket: STACK_DEFAULTS.bucket,
    forcePathStyle: true,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
  });
  await ensureBucket(client, STACK_DEFAULTS.bucket);
  client.destroy();
}

export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!exists.rowCount) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}

function readState(): StackState {
  return existsSync(STATE_FILE) ? (JSON.parse(readFileSync(STATE_FILE, 'utf8')) as StackState) : { started: [] };
}

export async function stackUp(): Promise<StackState> {
  const state = readState();
  ensureDebianPackages(SANDBOX_PACKAGES);
  await ensurePostgres(state);
  await ensureRedis(state);
  await ensureS3(state);
  mkdirSync(STATE_DIR, { recursive: true });
  writeFileSync(STATE_FILE, JSON.stringify(state));
  log(
    `up: postgres 127.0.0.1:5432, redis 127.0.0.1:6379, s3 http://127.0.0.1:${STACK_DEFAULTS.s3Port} (bucket ${STACK_DEFAULTS.bucket})${state.started.length ? `; started ${state.started.join(', ')}` : '; all were already running'}`,
  );
  return state;
}

/** Debian packages the test suite needs beyond the sandbox's: headless Chromium for the dashboard screenshots. */
const TEST_PACKAGES = [...SANDBOX_PACKAGES, 'chromium'];

/**
 * Before `npm test`: the Debian packages the tests use, Postgres and Redis running. Installs only as
 * root; otherwise names what is missing, and the tests that need it fail with the same hint.
 */
export async function ensureTestPrerequisites(): Promise<void> {
  if (process.getuid?.() === 0) ensureDebianPackages(TEST_PACKAGES);
  else {
    const missing = TEST_PACKAGES.filter((p) => !debianPackageInstalled(p));
    if (missing.length) log(`missing Debian packages (tests that need them will fail): sudo apt-get install -y ${missing.join(' ')}`);
  }
  const state = readState();
  await ensurePostgres(state);
  await ensureRedis(state);
}

export async function stackDown(): Promise<void> {
  const state = readState();
  for (const what of [...state.started].reverse()) {
    log(`stopping ${what}`);
    if (what === 's3' && state.s3Pid) {
      try {
        process.kill(state.s3Pid, 'SIGTERM');
      } catch {
        // already gone
      }
    } else if (what === 'redis') {
      execFileSync('redis-cli', ['-p', '6379', 'shutdown', 'nosave'], { stdio: 'ignore' });
    } else if (what === 'postgres') {
      const version = readdirSync('/etc/postgresql')[0]!;
      execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'stop'], { stdio: 'inherit' });
    }
  }
  rmSync(STATE_FILE, { force: true });
  if (state.started.length === 0) log('down: nothing was started by `up`; left everything running');
}

/** Stops a running `npm run local` (its pid is in .local/local.pid) and waits until its services are down. */
export async function stopLocalSystem(): Promise<void> {
  const pidFile = join(STATE_DIR, 'local.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (alive()) {
    log(`stopping npm run local (pid ${pid}) and its services`);
    process.kill(pid, 'SIGTERM');
    for (let waited = 0; waited < 60 && alive(); waited++) await sleep(500);
  }
  rmSync(pidFile, { force: true });
}

if (import.meta.main) {
  const command = process.argv[2];
  if (command === 'up') await stackUp();
  else if (command === 'down') {
    await stopLocalSystem();
    await stackDown();
  } else if (command === 'test-prerequisites') await ensureTestPrerequisites();
  else {
    console.error('usage: node infra/local/stack.ts up|down|test-prerequisites');
    process.exitCode = 2;
  }
}
