import type { ChildProcess } from 'node:child_process';

const SIGNAL_EXIT_CODES = [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const;
const CLEANUP_GRACE_MS = 10_000;

function killAll(children: Iterable<ChildProcess>): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
}

/**
 * However a bench ends (a failed start included), none of its children outlives it: they are
 * killed on 'exit', and on SIGINT, SIGTERM or SIGHUP, which end a process without 'exit' unless
 * handled. On a signal, `cleanup` (e.g. removing the run's database and Redis keys) then gets up
 * to 10 s before the process exits.
 */
export function killChildrenWhenDone(
  children: () => Iterable<ChildProcess>,
  cleanup?: { describe: string; run(): Promise<void> | undefined },
): void {
  process.on('exit', () => killAll(children()));
  for (const [signal, code] of SIGNAL_EXIT_CODES) {
    process.once(signal, () => {
      console.error(`${signal}: stopping the services${cleanup ? ` and ${cleanup.describe}` : ''}`);
      killAll(children());
      const cleaned = cleanup?.run()?.catch((error: unknown) => console.error(`cleanup failed: ${String(error)}`));
      void Promise.race([cleaned, new Promise((r) => setTimeout(r, CLEANUP_GRACE_MS))]).finally(() => process.exit(code));
    });
  }
}

/** SIGTERM, then resolves once the child exits or after `graceMs`: a service stopped so can write its profile. */
export function stopGracefully(child: ChildProcess, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(resolve, graceMs).unref();
  });
}
