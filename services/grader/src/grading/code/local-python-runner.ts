import { spawn } from 'node:child_process';
import type { ExecutionRequest, ExecutionResult, PythonRunner } from '@rft/contracts';

/**
 * A minimal unsandboxed PythonRunner on a local interpreter, for tests and benchmarks of the grader
 * (production uses the sandbox service). Kills the process group at the wall-clock limit.
 */
export function createLocalPythonRunner(python = '/usr/bin/python3'): PythonRunner {
  return {
    run(request: ExecutionRequest, signal?: AbortSignal): Promise<ExecutionResult> {
      const started = performance.now();
      const timeoutMs = request.limits?.timeoutMs ?? 10_000;
      const maxBytes = request.limits?.maxOutputBytes ?? 1024 * 1024;
      return new Promise((resolve) => {
        const child = spawn(python, ['-I', '-c', request.code], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
        let stdout = '';
        let stderr = '';
        let truncated = false;
        let status: ExecutionResult['status'] | null = null;
        const kill = (why: ExecutionResult['status']): void => {
          status ??= why;
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // already gone
          }
        };
        const timer = setTimeout(() => kill('timeout'), timeoutMs);
        signal?.addEventListener('abort', () => kill('killed'), { once: true });
        const collect = (which: 'out' | 'err') => (chunk: Buffer) => {
          const s = chunk.toString('utf8');
          if (which === 'out') stdout += s;
          else stderr += s;
          if (stdout.length + stderr.length > maxBytes * 2) {
            truncated = true;
            kill('output_limit');
          }
        };
        child.stdout.on('data', collect('out'));
        child.stderr.on('data', collect('err'));
        child.stdin.on('error', () => {});
        child.stdin.end(request.stdin ?? '');
        child.on('close', (code) => {
          clearTimeout(timer);
          const wallMs = performance.now() - started;
          resolve({ status: status ?? (code === 0 ? 'ok' : 'error'), stdout, stderr, exitCode: code, wallMs, cpuMs: wallMs, truncated });
        });
      });
    },
  };
}
