/**
 * Runs the python blocks of one sample. With `tools.state: session` (and a sandbox that has
 * sessions) every block of the trajectory runs in one interpreter, opened on the first block and
 * closed when the trajectory ends however it ends; a worker that dies leaves it to the sandbox's
 * idle TTL. An unavailable sandbox is retried, then the whole job is retried later.
 */
import { UnknownSessionError, type ExecutionResult, type PythonRunner, type Recipe, type ToolState } from '@rft/contracts';
import { RetryLaterError } from './engine-errors.ts';
import type { LoopDeps, RolloutContext } from './rollout-context.ts';

/** Said to the model, in the block's output, when its interpreter was replaced by a fresh one. */
export const INTERPRETER_RESTARTED_NOTE =
  '[Note: the Python interpreter restarted; variables and functions from earlier code blocks are gone.]';

interface ToolSession {
  /** Issued by the sandbox on the first block; undefined until then. */
  id: string | undefined;
}

/** One interpreter session per sample context; dropped with the context. */
const sessions = new WeakMap<RolloutContext, ToolSession>();

/** Whether a sample's blocks share one interpreter: the recipe asks, the engine allows, the sandbox can. */
export function toolStateFor(deps: LoopDeps, recipe: Recipe): ToolState {
  const canSession = deps.options.toolSessions && typeof deps.sandbox.openSession === 'function';
  return recipe.tools.enabled && recipe.tools.state === 'session' && canSession ? 'session' : 'stateless';
}

export async function executeBlock(ctx: RolloutContext, code: string, timeoutMs: number): Promise<ExecutionResult> {
  const { deps, signal } = ctx;
  const session = toolStateFor(deps, ctx.input.recipe) === 'session' ? sessionOf(ctx) : undefined;
  let lastProblem = '';
  for (let attempt = 1; attempt <= deps.options.sandboxAttempts; attempt++) {
    signal.throwIfAborted();
    try {
      const result = session
        ? await runInSession(deps.sandbox, session, code, timeoutMs, signal)
        : await deps.sandbox.run({ code, limits: { timeoutMs } }, signal);
      if (result.status !== 'busy' && result.status !== 'sandbox_error') return withRestartNote(deps, result);
      lastProblem = `${result.status}: ${result.stderr.slice(0, 200)}`;
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      lastProblem = (error as Error).message;
    }
    deps.metrics.errors.inc({ kind: 'sandbox' });
    if (attempt < deps.options.sandboxAttempts) await new Promise((r) => setTimeout(r, 250 * 2 ** attempt * Math.random()));
  }
  throw new RetryLaterError(`python sandbox unavailable after ${deps.options.sandboxAttempts} attempts: ${lastProblem}`, 5_000, {
    resource: 'sandbox',
  });
}

/** Closes the sample's interpreter, if it has one; never throws (the sandbox's TTL reclaims what this misses). */
export async function closeToolSession(ctx: RolloutContext): Promise<void> {
  const session = sessions.get(ctx);
  sessions.delete(ctx);
  if (session?.id === undefined || !ctx.deps.sandbox.closeSession) return;
  try {
    await ctx.deps.sandbox.closeSession(session.id);
  } catch {
    ctx.deps.metrics.errors.inc({ kind: 'sandbox_session_close' });
  }
}

function sessionOf(ctx: RolloutContext): ToolSession {
  let session = sessions.get(ctx);
  if (!session) {
    session = { id: undefined };
    sessions.set(ctx, session);
  }
  return session;
}

/**
 * Runs a block in the session, opening it first if needed. A session the sandbox no longer knows
 * (it restarted, or the id expired) is replaced by a new one, and the result says so.
 */
async function runInSession(
  sandbox: PythonRunner,
  session: ToolSession,
  code: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<ExecutionResult> {
  const opened = session.id === undefined;
  session.id ??= await sandbox.openSession!(signal);
  try {
    return await sandbox.run({ code, limits: { timeoutMs }, sessionId: session.id }, signal);
  } catch (error) {
    if (!(error instanceof UnknownSessionError)) throw error;
    session.id = await sandbox.openSession!(signal);
    const result = await sandbox.run({ code, limits: { timeoutMs }, sessionId: session.id }, signal);
    // A session lost before its first block had no state to lose.
    return opened ? result : { ...result, sessionRestarted: true };
  }
}

function withRestartNote(deps: LoopDeps, result: ExecutionResult): ExecutionResult {
  if (!result.sessionRestarted) return result;
  deps.metrics.errors.inc({ kind: 'sandbox_session_restart' });
  return { ...result, stdout: `${INTERPRETER_RESTARTED_NOTE}\n${result.stdout}` };
}
