export { runCli } from './run-cli.ts';
export { buildProgram } from './program.ts';
export type { CliIo } from './cli-context.ts';
export { EXIT, CliError, type ExitCode } from './exit-codes.ts';
export { createApiClient, type ApiClient } from './api-client.ts';
