import { z } from 'zod';

/** How an execution ended. */
export const ExecutionStatus = z.enum(['ok', 'error', 'timeout', 'memory', 'output_limit', 'killed', 'sandbox_error', 'busy']);
export type ExecutionStatus = z.infer<typeof ExecutionStatus>;

export const ExecutionLimits = z.object({
  /** Wall-clock limit; the whole process group is killed past it. */
  timeoutMs: z.number().int().positive().max(600_000).optional(),
  cpuSeconds: z.number().positive().max(600).optional(),
  memoryMb: z.number().int().positive().max(65_536).optional(),
  /** Bytes kept of stdout and of stderr each (head + tail when cut). */
  maxOutputBytes: z
    .number()
    .int()
    .positive()
    .max(16 * 1024 * 1024)
    .optional(),
});
export type ExecutionLimits = z.infer<typeof ExecutionLimits>;

export const ExecutionRequest = z.object({
  code: z.string().max(1_000_000),
  stdin: z
    .string()
    .max(64 * 1024 * 1024)
    .optional(),
  limits: ExecutionLimits.optional(),
  /** Stateful execution across the tool calls of one trajectory; stateless when absent. */
  sessionId: z.string().max(200).optional(),
  /** Allow the snippet to create subprocesses (code tests that need them). */
  allowSubprocesses: z.boolean().optional(),
});
export type ExecutionRequest = z.infer<typeof ExecutionRequest>;

export const ExecutionResult = z.object({
  status: ExecutionStatus,
  stdout: z.string(),
  stderr: z.string(),
  exitCode: z.number().int().nullable(),
  wallMs: z.number().nonnegative(),
  cpuMs: z.number().nonnegative(),
  /** Set when stdout or stderr was cut to the output cap. */
  truncated: z.boolean().default(false),
  /**
   * Set when the request named a session whose interpreter was gone (evicted, crashed, expired) and
   * this cell ran in a fresh one: variables of earlier cells are lost, and the model must be told.
   */
  sessionRestarted: z.boolean().optional(),
});
export type ExecutionResult = z.infer<typeof ExecutionResult>;

/**
 * The sandbox does not know this session (closed, idle past its TTL, or the sandbox restarted and
 * forgot it): open a new one, and tell the model its earlier variables are gone.
 */
export class UnknownSessionError extends Error {
  override readonly name = 'UnknownSessionError';
  readonly sessionId: string;
  constructor(sessionId: string, message = `the sandbox does not know session ${sessionId}`) {
    super(message);
    this.sessionId = sessionId;
  }
}

/** What the rollout worker and the code grader need from a sandbox. */
export interface PythonRunner {
  /** Rejects with UnknownSessionError when `request.sessionId` names a session the sandbox does not know. */
  run(request: ExecutionRequest, signal?: AbortSignal): Promise<ExecutionResult>;
  /**
   * Opens an interpreter session owned by the caller and returns the id the sandbox issued (ids are
   * never chosen by callers). Absent on runners without sessions: the caller runs stateless.
   */
  openSession?(signal?: AbortSignal): Promise<string>;
  /** Closes a session; false when the sandbox no longer knew it (closing twice is not an error). */
  closeSession?(sessionId: string): Promise<boolean>;
}
