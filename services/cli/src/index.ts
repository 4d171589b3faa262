export { runCli, HELP } from './run-cli.ts';
export type { CliIo } from './cli-context.ts';
export { EXIT, CliError, type ExitCode } from './exit-codes.ts';
export { createApiClient, type ApiClient } from './api-client.ts';
