/**
 * A plain subprocess PythonRunner: /usr/bin/python3 on a temp file, wall-clock limit by killing the
 * process group, output capped. No isolation: a fallback for development and tests until the
 * sandbox service is used.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionRequest, ExecutionResult, PythonRunner } from '@rft/contracts';

export interface SubprocessPythonRunnerOptions {
  python?: string;
  defaultTimeoutMs?: number;
  maxOutputBytes?: number;
  /** Concurrent processes; further calls queue. */
  maxConcurrent?: number;
}

export function createSubprocessPythonRunner(opts: SubprocessPythonRunnerOptions = {}): PythonRunner {
  const python = opts.python ?? '/usr/bin/python3';
  const defaultTimeout = opts.defaultTimeoutMs ?? 10_000;
  const defaultCap = opts.maxOutputBytes ?? 64 * 1024;
  const maxConcurrent = opts.maxConcurrent ?? 4;
  let running = 0;
  const queue: Array<() => void> = [];

  async function slot(): Promise<() => void> {
    if (running >= maxConcurrent) await new Promise<void>((r) => queue.push(r));
    running++;
    return () => {
      running--;
      queue.shift()?.();
    };
  }

  return {
    async run(request: ExecutionRequest, signal?: AbortSignal): Promise<ExecutionResult> {
      const release = await slot();
      const dir = await mkdtemp(join(tmpdir(), 'rollout-py-'));
      try {
        const file = join(dir, 'snippet.py');
        await writeFile(file, request.code);
        return await execute(python, file, dir, request, request.limits?.timeoutMs ?? defaultTimeout, request.limits?.maxOutputBytes ?? defaultCap, signal);
      } finally {
        release();
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

function execute(python: string, file: string, cwd: string, request: ExecutionRequest, timeoutMs: number, cap: number, signal?: AbortSignal): Promise<ExecutionResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(python, ['-I', file], { cwd, detached: true, stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin', PYTHONIOENCODING: 'utf-8' } });
    const out = new CappedBuffer(cap);
    const err = new CappedBuffer(cap);
    let timedOut = false;
    let killed = false;
    const kill = (): void => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    const onAbort = (): void => {
      killed = true;
      kill();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.on('error', () => {});
    child.stdin.end(request.stdin ?? '');
    child.on('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      const wallMs = performance.now() - started;
      const truncated = out.truncated || err.truncated;
      const status = killed ? 'killed' : timedOut ? 'timeout' : code === 0 ? (truncated ? 'output_limit' : 'ok') : 'error';
      resolve({ status, stdout: out.text(), stderr: err.text(), exitCode: code, wallMs, cpuMs: 0, truncated });
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ status: 'sandbox_error', stdout: '', stderr: String(error), exitCode: null, wallMs: performance.now() - started, cpuMs: 0, truncated: false });
    });
  });
}

class CappedBuffer {
  #chunks: Buffer[] = [];
  #size = 0;
  truncated = false;
  readonly cap: number;
  constructor(cap: number) {
    this.cap = cap;
  }
  push(chunk: Buffer): void {
    const room = this.cap - this.#size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (part.length < chunk.length) this.truncated = true;
    this.#chunks.push(part);
    this.#size += part.length;
  }
  text(): string {
    return Buffer.concat(this.#chunks).toString('utf8');
  }
}
