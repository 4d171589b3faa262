import { BUILTIN_RECIPES, Recipe, Trajectory, TRAINED_SEGMENT_KINDS, type Question } from '@rft/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { createRolloutEngine, type RolloutEngine } from './rollout-engine.ts';
import { type ScriptedServer, startScriptedServer } from './scripted-completion-server.ts';
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

async function run(turn: Parameters<typeof startScriptedServer>[0][number]): Promise<Trajectory> {
  server = await startScriptedServer([turn]);
  engine = createRolloutEngine({ endpoints: [server.url], model: 'scripted', sandbox: createSubprocessPythonRunner() });
  const recipe = Recipe.parse(BUILTIN_RECIPES.greedy);
  return Trajectory.parse(await engine.runSample({ campaignId: 'c', question, stage: 's', sampleIndex: 0, seed: 1, recipe }, never));
}

const trainedText = (t: Trajectory): string =>
  t.segments
    .filter((s) => TRAINED_SEGMENT_KINDS.has(s.kind))
    .map((s) => s.text)
    .join('');

describe('EOS through the loop', () => {
  const answer = '6 * 7 = 42.\n</think>\n\n\\boxed{42}';
  it('vLLM, EOS not echoed: the stored text still ends with one end-of-turn token', async () => {
    const t = await run({ text: answer, finishReason: 'stop', stopReason: null });
    expect(t.end).toBe('eos');
    expect(t.endOfTurn).toBe('<|im_end|>');
    expect(trainedText(t)).toBe(`${answer}<|im_end|>`);
    expect(t.segments[t.segments.length - 1]!.meta).toEqual({ endOfTurn: true, echoed: '', finishReason: 'stop', stopReason: null });
  });

  it('SGLang with no_stop_trim, EOS echoed and matched_stop the token id: still one', async () => {
    const t = await run({ text: `${answer}<|im_end|>`, finishReason: 'stop', matchedStop: 151645 });
    expect(trainedText(t)).toBe(`${answer}<|im_end|>`);
    expect(t.turns[0]!.stopReason).toBe(151645);
    expect(t.segments[t.segments.length - 1]!.meta).toMatchObject({ echoed: '<|im_end|>', stopReason: 151645 });
  });

  it('a trajectory cut by the token budget gets no end-of-turn token', async () => {
    const t = await run({ text: 'still thinking', finishReason: 'length' });
    expect(t.end).not.toBe('eos');
    expect(t.segments.some((s) => s.meta?.endOfTurn)).toBe(false);
  });
});
