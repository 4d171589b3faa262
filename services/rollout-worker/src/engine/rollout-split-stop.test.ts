import { BUILTIN_RECIPES, Recipe, Trajectory, type Question } from '@rft/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { createRolloutEngine, type RolloutEngine } from './rollout-engine.ts';
import { eosTurn, type ScriptedServer, type ScriptStep, startScriptedServer } from './scripted-completion-server.ts';
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

async function run(script: ScriptStep[], recipeName: 'rft' | 'hint-infer' = 'rft'): Promise<Trajectory> {
  server = await startScriptedServer(script);
  engine = createRolloutEngine({ endpoints: [server.url], model: 'scripted', sandbox: createSubprocessPythonRunner({ maxConcurrent: 1 }) });
  const recipe = Recipe.parse({ ...BUILTIN_RECIPES[recipeName], hints: { ...BUILTIN_RECIPES[recipeName].hints, triggerProbability: 0 } });
  return Trajectory.parse(await engine.runSample({ campaignId: 'c', question, stage: 's', sampleIndex: 0, seed: 1, recipe }, never));
}

const length = (text: string): ScriptStep => ({ text, finishReason: 'length' });

describe('a stop string split across a length cut', () => {
  it('a closing fence half in each chunk still ends the block: the code runs and is stored as code', async () => {
    const t = await run([
      length('Compute it.\n```python\nx = 6 * 7\n'),
      length('print(x)\n``'),
      // The server never saw the whole fence in its own output, so it went on: the model invented an output.
      { text: '`\n```output\n41\n```\nSo \\boxed{41}', finishReason: 'stop', stopReason: null },
      eosTurn('The code prints 42.\n</think>\n\n\\boxed{42}'),
    ]);
    const code = t.segments.filter((s) => s.kind === 'code').map((s) => s.text);
    expect(code).toEqual(['x = 6 * 7\nprint(x)\n```\n']);
    const output = t.segments.find((s) => s.kind === 'tool_output');
    expect(output?.text).toBe('```output\n42\n```\n');
    expect(t.segments.map((s) => s.text).join('')).not.toContain('41');
    expect(t.toolCalls).toBe(1);
  });

  it('the end of thinking half in each chunk is held back whole for the before-end hint', async () => {
    const t = await run(
      [
        length('6 * 7 = 42. </th'),
        { text: 'ink>\n\n\\boxed{42}', finishReason: 'stop', stopReason: null },
        eosTurn('Checked.\n</think>\n\n\\boxed{42}'),
      ],
      'hint-infer',
    );
    const modelText = t.segments.filter((s) => s.kind === 'model').map((s) => s.text);
    expect(modelText[0]).toBe('6 * 7 = 42. ');
    expect(t.segments.slice(1, 3).map((s) => s.kind)).toEqual(['model', 'hint']);
    expect(t.segments.map((s) => s.text).join('')).not.toContain('</th\n');
  });
});
