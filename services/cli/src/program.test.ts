import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CAMPAIGN_STATUSES, TERMINAL_CAMPAIGN_STATUSES } from '@rft/contracts';
import type { Command } from 'commander';
import { describe, expect, test } from 'vitest';
import { watchExitCode } from './campaign-status.ts';
import type { CliIo } from './cli-context.ts';
import { EXIT } from './exit-codes.ts';
import { buildProgram, CLI_VERSION } from './program.ts';
import { runCli } from './run-cli.ts';

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    env: {},
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    readFile: async () => new Uint8Array(),
    sleep: async () => {},
    isTty: false,
  };
  const code = await runCli(argv, io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

function commandPaths(cmd: Command, path: string[] = []): string[][] {
  return cmd.commands.filter((c) => c.name() !== 'help').flatMap((c) => [[...path, c.name()], ...commandPaths(c, [...path, c.name()])]);
}

const program = buildProgram({} as CliIo, () => {});

describe('help, version and usage', () => {
  test.each(commandPaths(program).map((p) => [p.join(' '), p]))('rft %s --help exits 0 and prints its usage', async (_, path) => {
    const res = await run([...path, '--help']);
    expect(res.code, res.stderr).toBe(EXIT.ok);
    expect(res.stdout).toContain(`Usage: rft ${path.join(' ')}`);
  });

  test('rft --help and rft help <command> exit 0; rft alone prints the help and exits 2', async () => {
    expect((await run(['--help'])).code).toBe(EXIT.ok);
    const helpStatus = await run(['help', 'status']);
    expect([helpStatus.code, helpStatus.stdout]).toEqual([EXIT.ok, expect.stringContaining('Usage: rft status')]);
    const bare = await run([]);
    expect([bare.code, bare.stderr]).toEqual([EXIT.usage, expect.stringContaining('Usage: rft')]);
  });

  test('--version prints the package version', async () => {
    expect(await run(['--version'])).toMatchObject({ code: EXIT.ok, stdout: CLI_VERSION });
    expect(CLI_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  test('an unknown command, an unknown option and a bad choice are usage errors with a hint', async () => {
    const unknown = await run(['statsu', 'x']);
    expect([unknown.code, unknown.stderr]).toEqual([EXIT.usage, expect.stringContaining('(Did you mean status?)')]);
    expect((await run(['status', 'x', '--bogus'])).code).toBe(EXIT.usage);
    const choice = await run(['cost', 'x', '--by', 'question']);
    expect([choice.code, choice.stderr]).toEqual([EXIT.usage, expect.stringContaining('Allowed choices are stage, shard')]);
  });
});

describe('shell completion', () => {
  test('the bash script completes commands, subcommands and options when sourced in bash', async () => {
    const script = (await run(['completion', 'bash'])).stdout;
    const complete = async (...words: string[]) => {
      const { stdout } = await promisify(execFile)('bash', [
        '-c',
        `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _rft_complete; echo "\${COMPREPLY[*]}"`,
      ]);
      return stdout.trim().split(' ');
    };
    expect(await complete('rft', 'data')).toEqual(['datasets']);
    expect(await complete('rft', 'datasets', '')).toEqual(expect.arrayContaining(['list', 'show', 'pull']));
    expect(await complete('rft', 'status', 'my-campaign', '--w')).toEqual(['--watch']);
  });

  test('zsh and fish scripts are generated from the same tree', async () => {
    expect((await run(['completion', 'zsh'])).stdout).toContain('bashcompinit');
    const fish = (await run(['completion', 'fish'])).stdout;
    expect(fish).toContain("complete -c rft -n '__fish_seen_subcommand_from datasets' -a pull");
    expect(fish).toContain("complete -c rft -n '__fish_seen_subcommand_from status' -l watch");
  });
});

test('status --watch exit codes: 0 completed, 9 completed with failures, 10 failed, 11 cancelled, none while running', () => {
  expect(['completed', 'completed_with_failures', 'failed', 'cancelled', 'running', 'paused'].map(watchExitCode)).toEqual([
    0,
    9,
    10,
    11,
    undefined,
    undefined,
  ]);
  // Every terminal status ends the watch, and only those.
  for (const status of CAMPAIGN_STATUSES)
    expect(watchExitCode(status) !== undefined, status).toBe(TERMINAL_CAMPAIGN_STATUSES.includes(status));
});
