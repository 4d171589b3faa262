import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';

export interface ChildService {
  name: string;
  process: ChildProcess;
  logFile: string;
}

/**
 * Runs service entry points as child processes on this Node, each logging to its own file, and
 * stops them all (SIGTERM, then SIGKILL after a grace period) so nothing is left running.
 */
export function createChildServices(root: string, logDir: string) {
  mkdirSync(logDir, { recursive: true });
  const children: ChildService[] = [];
  return {
    children,
    /** `nodeFlags` go before the entry (e.g. the sandbox's heap flags). */
    start(name: string, entry: string, env: Record<string, string>, nodeFlags: readonly string[] = []): ChildService {
      const logFile = join(logDir, `${name}.log`);
      const out = openSync(logFile, 'w');
      const child = spawn(process.execPath, [...nodeFlags, join(root, entry)], {
        cwd: root,
        env: { ...process.env, ...env },
        stdio: ['ignore', out, out],
      });
      const service = { name, process: child, logFile };
      children.push(service);
      return service;
    },
    async stop(service: ChildService, signal: NodeJS.Signals = 'SIGTERM', graceMs = 20_000): Promise<void> {
      const child = service.process;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async stopAll(): Promise<void> {
      await Promise.all([...children].reverse().map((c) => this.stop(c)));
    },
  };
}

/** Polls `url` until it answers 2xx. */
export async function waitForHttp(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
      lastError = new Error(`HTTP ${res.status}`);
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become ready within ${timeoutMs / 1000}s: ${String(lastError)}`);
}
