import { BUILTIN_RECIPES, Recipe, UnknownSessionError, type ExecutionResult, type PythonRunner, type Question } from '@rft/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { INTERPRETER_RESTARTED_NOTE } from './python-execution.ts';
import { createRolloutEngine, type RolloutEngine } from './rollout-engine.ts';
import { eosTurn, type ScriptedServer, startScriptedServer, stopTurn } from './scripted-completion-server.ts';

/** The session lifecycle of one trajectory, against a runner that records what it was asked. */
const question: Question = { id: 'q', kind: 'math', problem: 'What is 6 * 7?', answer: '42' };
const OK: ExecutionResult = { status: 'ok', stdout: '42\n', stderr: '', exitCode: 0, wallMs: 1, cpuMs: 1, truncated: false };
const block = stopTurn('Compute.\n```python\nprint(6 * 7)\n```\n', '```\n');
const answer = eosTurn('So 42.\n</think>\n\n\\boxed{42}');
const recipe = Recipe.parse({ ...BUILTIN_RECIPES.rft, tools: { ...BUILTIN_RECIPES.rft.tools, state: 'session' } });

let server: ScriptedServer | undefined;
let engine: RolloutEngine | undefined;
afterEach(async () => {
  await engine?.close();
  await server?.close();
  engine = server = undefined;
});

function recordingRunner(run: (sessionId: string | undefined, call: number) => Promise<ExecutionResult>) {
  const log = { opened: [] as string[], closed: [] as string[], calls: 0 };
  const runner: PythonRunner = {
    openSession: async () => {
      log.opened.push(`s${log.opened.length + 1}`);
      return log.opened.at(-1)!;
    },
    closeSession: async (id) => {
      log.closed.push(id);
      return true;
    },
    run: (request) => run(request.sessionId, ++log.calls),
  };
  return { runner, log };
}

async function sample(runner: PythonRunner, script: Parameters<typeof startScriptedServer>[0], signal = new AbortController().signal) {
  server = await startScriptedServer(script);
  engine = createRolloutEngine({ endpoints: [server.url], model: 'scripted', sandbox: runner, options: { sandboxAttempts: 1 } });
  return engine.runSample({ campaignId: 'c', question, stage: 's', sampleIndex: 0, seed: 1, recipe }, signal);
}

describe('tool sessions of a trajectory', () => {
  it('opens one session on the first block, uses it for every block, closes it at the end', async () => {
    const { runner, log } = recordingRunner(async () => OK);
    const t = await sample(runner, [block, block, answer]);
    expect(t.toolState).toBe('session');
    expect(log.opened).toEqual(['s1']);
    expect(log.closed).toEqual(['s1']);
  });

  it('closes the session when the trajectory fails', async () => {
    const { runner, log } = recordingRunner(async (sessionId, call) =>
      call === 1 ? OK : { ...OK, status: 'sandbox_error', stdout: '', stderr: `down (${sessionId})` },
    );
    await expect(sample(runner, [block, block, answer])).rejects.toThrow(/python sandbox unavailable/);
    expect(log.closed).toEqual(['s1']);
  });

  it('replaces a session the sandbox forgot and tells the model', async () => {
    const { runner, log } = recordingRunner(async (sessionId, call) => {
      if (call === 2) throw new UnknownSessionError(sessionId!);
      return OK;
    });
    const t = await sample(runner, [block, block, answer]);
    expect(log.opened).toEqual(['s1', 's2']);
    expect(log.closed).toEqual(['s2']);
    const outputs = t.segments.filter((s) => s.kind === 'tool_output');
    expect(outputs[0]!.text).not.toContain(INTERPRETER_RESTARTED_NOTE);
    expect(outputs[1]!.text).toContain(INTERPRETER_RESTARTED_NOTE);
  });

  it('runs stateless, without opening a session, when the runner has no sessions', async () => {
    const seen: Array<string | undefined> = [];
    const t = await sample({ run: async (request) => (seen.push(request.sessionId), OK) }, [block, answer]);
    expect(t.toolState).toBe('stateless');
    expect(seen).toEqual([undefined]);
  });
});
