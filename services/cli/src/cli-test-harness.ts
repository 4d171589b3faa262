import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from './cli-context.ts';
import { runCli } from './run-cli.ts';

/** Test support: runs `rft` in-process against a listening API and captures its output. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read parsed CLI output loosely and assert on it
  json<T = any>(): T;
}

export async function createCliHarness(apiUrl: string) {
  const dir = await mkdtemp(join(tmpdir(), 'rft-cli-'));
  return {
    dir,
    async file(name: string, content: string): Promise<string> {
      const path = join(dir, name);
      await writeFile(path, content);
      return path;
    },
    async run(argv: readonly string[], opts: { token?: string; url?: string; onSleep?: () => Promise<void> } = {}): Promise<CliRun> {
      const out: string[] = [];
      const err: string[] = [];
      const io: CliIo = {
        env: { RFT_API_URL: opts.url ?? apiUrl, ...(opts.token ? { RFT_TOKEN: opts.token } : {}) },
        stdout: (t) => out.push(t),
        stderr: (t) => err.push(t),
        readFile: (path) => readFile(path),
        sleep: async () => opts.onSleep?.(),
        isTty: false,
      };
      const code = await runCli(argv, io);
      const stdout = out.join('\n');
      return { code, stdout, stderr: err.join('\n'), json: () => JSON.parse(stdout) };
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
