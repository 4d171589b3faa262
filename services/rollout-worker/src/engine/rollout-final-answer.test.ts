import { BUILTIN_RECIPES, Recipe, type Question } from '@rft/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { createRolloutEngine, type RolloutEngine } from './rollout-engine.ts';
import { eosTurn, type ScriptedServer, startScriptedServer, stopTurn } from './scripted-completion-server.ts';
import { createSubprocessPythonRunner } from './subprocess-python-runner.ts';

const codeQuestion: Question = {
  id: 'sum',
  kind: 'code',
  problem: 'Read two integers and print their sum.',
  tests: [{ type: 'stdin', input: '2 3\n', output: '5\n' }],
};
const never = new AbortController().signal;
let server: ScriptedServer | undefined;
let engine: RolloutEngine | undefined;
afterEach(async () => {
  await engine?.close();
  await server?.close();
  engine = server = undefined;
});

async function run(script: Parameters<typeof startScriptedServer>[0], modelProfile?: string) {
  server = await startScriptedServer(script);
  engine = createRolloutEngine({ endpoints: [server.url], model: 'scripted', sandbox: createSubprocessPythonRunner({ maxConcurrent: 1 }) });
  const recipe = Recipe.parse(BUILTIN_RECIPES.rft);
  return engine.runSample(
    { campaignId: 'c', question: codeQuestion, stage: 's', sampleIndex: 0, seed: 3, recipe, ...(modelProfile ? { modelProfile } : {}) },
    never,
  );
}

const finalProgram = '```python\na, b = map(int, input().split())\nprint(a + b)\n```\n';

describe('code after the end of thinking', () => {
  it('is answer text: not executed, no tool output, trained as model text', async () => {
    const t = await run([
      stopTurn('Check the sum.\n```python\nprint(2 + 3)\n```\n', '```\n'),
      // the server still stops on the closing fence of the answer's block; the engine reads on
      stopTurn(`It works.\n</think>\n\n${finalProgram}`, '```\n'),
      eosTurn(''),
    ]);
    expect(t.end).toBe('eos');
    expect(t.toolCalls).toBe(1);
    expect(t.segments.filter((s) => s.kind === 'tool_output').map((s) => s.text)).toEqual(['```output\n5\n```\n']);
    const answer = t.segments[t.segments.length - 2]!;
    expect(answer.kind).toBe('model');
    expect(answer.text).toContain(finalProgram);
    expect(t.segments[t.segments.length - 1]).toMatchObject({ kind: 'model', text: '<|im_end|>' });
    expect(server!.requests[2]!.stop).not.toContain('```\n'); // no code stop once thinking is over
  });
});
