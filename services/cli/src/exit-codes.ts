/** What the `rft` exit status means, so scripts can branch on it. */
export const EXIT = {
  ok: 0,
  /** Unexpected failure, the API answered 5xx, or a retry matched nothing. */
  failure: 1,
  /** Wrong command line, or a name or id prefix that matches several objects. */
  usage: 2,
  /** The spec, the questions or a request body is invalid (locally or per the API's 400). */
  invalidInput: 3,
  /** Missing, unknown or revoked token (401), or the token's role may not do this (403). */
  auth: 4,
  notFound: 5,
  /** The object is not in a state that allows this (409), e.g. resuming a cancelled campaign. */
  conflict: 6,
  /** The API cannot be reached. */
  unreachable: 7,
  /** The feature is not available in this build or deployment (501). */
  notAvailable: 8,
  /** `status --watch` ended on a campaign that completed with failed work items. */
  campaignCompletedWithFailures: 9,
  /** `status --watch` ended on a failed campaign. */
  campaignFailed: 10,
  /** `status --watch` ended on a cancelled campaign. */
  campaignCancelled: 11,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error that ends the command with its exit code and a message that says what to do. */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode: ExitCode;
  readonly problems: readonly string[];
  constructor(exitCode: ExitCode, message: string, problems: readonly string[] = []) {
    super(message);
    this.exitCode = exitCode;
    this.problems = problems;
  }
}
