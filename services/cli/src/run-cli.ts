import { CommanderError } from 'commander';
import type { CliIo } from './cli-context.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';
import { buildProgram } from './program.ts';

/** commander's own outcomes: help asked for and version are successes (exit code 0), everything else is a usage error. */
function exitForCommander(error: CommanderError): ExitCode {
  return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
}

/** Runs one `rft` invocation and returns its exit code; all I/O goes through `io`. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code: ExitCode = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return exitForCommander(error);
    if (error instanceof CliError) {
      if (argv.includes('--json'))
        io.stderr(JSON.stringify({ error: { message: error.message, problems: error.problems, exitCode: error.exitCode } }));
      else
        io.stderr([`rft: ${error.message}`, ...error.problems.filter((p) => !error.message.includes(p)).map((p) => `  ${p}`)].join('\n'));
      return error.exitCode;
    }
    io.stderr(`rft: unexpected error: ${(error as Error).stack ?? String(error)}`);
    return EXIT.failure;
  }
}
