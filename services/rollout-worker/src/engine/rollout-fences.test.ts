import { BUILTIN_RECIPES, Recipe, Trajectory, type Question } from '@rft/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { createRolloutEngine, type RolloutEngine } from './rollout-engine.ts';
import { eosTurn, type ScriptedServer, startScriptedServer, stopTurn } from './scripted-completion-server.ts';
import { createSubprocessPythonRunner } from './subprocess-python-runner.ts';

const question: Question = { id: 'q', kind: 'math', problem: 'What is 6 * 7?', answer: '42' };
const never = new AbortController().signal;
let server: ScriptedServer | undefined;
let engine: RolloutEngine | undefined;
afterEach(async () => {
  await engine?.close();
  await server?.close();
  engine = server = undefined;
});

async function run(script: Parameters<typeof startScriptedServer>[0]): Promise<Trajectory> {
  server = await startScriptedServer(script);
  engine = createRolloutEngine({ endpoints: [server.url], model: 'scripted', sandbox: createSubprocessPythonRunner({ maxConcurrent: 1 }) });
  const recipe = Recipe.parse({ ...BUILTIN_RECIPES.rft, tools: { enabled: true, maxCalls: 6, timeoutMs: 10_000, state: 'stateless' } });
  return Trajectory.parse(await engine.runSample({ campaignId: 'c', question, stage: 's', sampleIndex: 0, seed: 1, recipe }, never));
}

describe('fences through the loop', () => {
  it('runs ```py, ```Python3 with spaces, and a block closed by a fence with trailing spaces', async () => {
    const t = await run([
      stopTurn('A.\n```py\nprint(1)\n```\n', '```\n'),
      stopTurn('B.\n``` Python3  \nprint(2)\n```   \n', '```   \n'),
      eosTurn('So 42.\n</think>\n\n\\boxed{42}'),
    ]);
    expect(t.toolCalls).toBe(2);
    expect(t.segments.filter((s) => s.kind === 'tool_output').map((s) => s.text)).toEqual(['```output\n1\n```\n', '```output\n2\n```\n']);
    expect(t.segments.filter((s) => s.kind === 'code').map((s) => s.text)).toEqual(['print(1)\n```\n', 'print(2)\n```   \n']);
  });

  it('does not run a block left open at EOS: the model ended its turn', async () => {
    const t = await run([eosTurn('Let me check.\n```python\nprint(6 * 7)\n')]);
    expect(t.end).toBe('eos');
    expect(t.toolCalls).toBe(0);
    expect(t.segments.map((s) => s.kind)).toEqual(['prompt', 'model', 'model']);
  });

  it('keeps an output block the model invented as its text, marked for the grader', async () => {
    const t = await run([eosTurn('6 * 7 = 42.\n</think>\n\n```python\nprint(6 * 7)\n```\n```output\n42\n```\n\\boxed{42}')]);
    expect(t.end).toBe('eos');
    const marked = t.segments.filter((s) => s.meta?.inventedOutput === true);
    expect(marked).toHaveLength(1);
    expect(marked[0]!.kind).toBe('model');
    expect(marked[0]!.meta).toMatchObject({ inventedOutputCount: 1 });
  });
});
