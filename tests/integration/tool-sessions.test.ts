import { BUILTIN_RECIPES, Recipe, Trajectory, type PythonRunner, type Question } from '@rft/contracts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRolloutEngine, type RolloutEngine } from '../../services/rollout-worker/src/engine/rollout-engine.ts';
import { INTERPRETER_RESTARTED_NOTE } from '../../services/rollout-worker/src/engine/python-execution.ts';
import {
  eosTurn,
  type ScriptedServer,
  startScriptedServer,
  stopTurn,
} from '../../services/rollout-worker/src/engine/scripted-completion-server.ts';
import { startSandbox, type RunningSandbox } from '../../services/sandbox/src/sandbox-test-fixture.ts';

/**
 * The rollout engine against the real sandbox service: with sessions (the default for
 * tool-integrated recipes) a function defined in one block is callable from the next, the
 * interpreter is closed when the trajectory ends, and a session the sandbox forgot is replaced with
 * a note to the model.
 */
const question: Question = { id: 'q', kind: 'math', problem: 'What is 6 * 7?', answer: '42' };
const never = new AbortController().signal;
const block = (code: string) => stopTurn(`Let me compute.\n\`\`\`python\n${code}\n\`\`\`\n`, '```\n');
const answer = eosTurn('So the product is 42.\n</think>\n\n\\boxed{42}');

let sandbox: RunningSandbox;
let server: ScriptedServer | undefined;
let engine: RolloutEngine | undefined;

beforeAll(async () => {
  sandbox = await startSandbox({ poolSize: 1, sandboxUid: 20_401 });
});
afterAll(async () => sandbox?.close());
afterEach(async () => {
  await engine?.close();
  await server?.close();
  engine = server = undefined;
});

async function run(
  script: Parameters<typeof startScriptedServer>[0],
  state: 'session' | 'stateless' = 'session',
  runner: PythonRunner = sandbox.client,
): Promise<Trajectory> {
  server = await startScriptedServer(script);
  engine = createRolloutEngine({ endpoints: [server.url], model: 'scripted', sandbox: runner });
  const recipe = Recipe.parse({ ...BUILTIN_RECIPES.rft, tools: { ...BUILTIN_RECIPES.rft.tools, state } });
  return Trajectory.parse(await engine.runSample({ campaignId: 'c', question, stage: 's', sampleIndex: 0, seed: 1, recipe }, never));
}

const outputs = (t: Trajectory) => t.segments.filter((s) => s.kind === 'tool_output');

describe('tool sessions through the real sandbox', () => {
  it('a function defined in one block is called in the next; the interpreter is closed at the end', async () => {
    const t = await run([block('def times7(x):\n    return x * 7'), block('print(times7(6))'), answer]);
    expect(t.toolState).toBe('session');
    expect(t.end).toBe('eos');
    expect(outputs(t).map((s) => s.meta?.status)).toEqual(['ok', 'ok']);
    expect(outputs(t)[1]!.text).toContain('42');
    expect(await sandbox.metric('sandbox_sessions')).toBe(0);
  });

  it('stateless recipes run each block on its own', async () => {
    const t = await run([block('def times7(x):\n    return x * 7'), block('print(times7(6))'), answer], 'stateless');
    expect(t.toolState).toBe('stateless');
    expect(outputs(t)[1]!.text).toContain('NameError');
  });

  it('a session the sandbox no longer knows is replaced, and the model is told its variables are gone', async () => {
    // Before the second block the sandbox forgets the session, as after a restart of the sandbox.
    let calls = 0;
    const forgetful: PythonRunner = {
      openSession: (signal) => sandbox.client.openSession(signal),
      closeSession: (id) => sandbox.client.closeSession(id),
      async run(request, signal) {
        if (++calls === 2 && request.sessionId) expect(await sandbox.client.closeSession(request.sessionId)).toBe(true);
        return sandbox.client.run(request, signal);
      },
    };
    const t = await run([block('x = 6'), block('print(x * 7)'), answer], 'session', forgetful);
    const second = outputs(t)[1]!;
    expect(second.text).toContain(INTERPRETER_RESTARTED_NOTE);
    expect(second.text).toContain('NameError');
  });
});
