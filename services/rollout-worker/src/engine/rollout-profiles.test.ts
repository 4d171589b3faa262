import { BUILTIN_RECIPES, Recipe, Trajectory, type Question } from '@rft/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { createRolloutEngine, type RolloutEngine } from './rollout-engine.ts';
import { eosTurn, type ScriptedServer, startScriptedServer, stopTurn } from './scripted-completion-server.ts';
import { createSubprocessPythonRunner } from './subprocess-python-runner.ts';

const question: Question = { id: 'q-1', kind: 'math', problem: 'What is 6 * 7?', answer: '42' };
const hintInfer = Recipe.parse(BUILTIN_RECIPES['hint-infer']);
const never = new AbortController().signal;
const sample = (modelProfile?: string) => ({
  campaignId: 'c',
  question,
  stage: 's',
  sampleIndex: 0,
  seed: 7,
  recipe: hintInfer,
  ...(modelProfile ? { modelProfile } : {}),
});

let server: ScriptedServer | undefined;
let engine: RolloutEngine | undefined;
afterEach(async () => {
  await engine?.close();
  await server?.close();
  engine = server = undefined;
});

async function engineFor(script: Parameters<typeof startScriptedServer>[0], profile?: string): Promise<RolloutEngine> {
  server = await startScriptedServer(script);
  engine = createRolloutEngine({
    endpoints: [server.url],
    model: 'scripted',
    sandbox: createSubprocessPythonRunner({ maxConcurrent: 1 }),
    ...(profile ? { profile } : {}),
  });
  return engine;
}

describe('model profiles in the loop', () => {
  it('QwQ-32B-Preview: the before-end hint intercepts EOS, then the model resumes and ends', async () => {
    const e = await engineFor([
      eosTurn('So 6 * 7 = 42.<|im_end|>'),
      stopTurn('\nprint(6 * 7)\n```\n', '```\n'),
      eosTurn('Checked: \\boxed{42}.'),
    ]);
    const t = Trajectory.parse(await e.runSample(sample('qwq-32b-preview'), never));
    expect(t.modelProfile).toBe('qwq-32b-preview');
    expect(t.end).toBe('eos');
    expect(t.segments.map((s) => s.kind)).toEqual(['prompt', 'model', 'hint', 'model', 'code', 'tool_output', 'model', 'model']);
    expect(t.segments[1]!.text).toBe('So 6 * 7 = 42.');
    expect(t.segments[5]!.text).toBe('```output\n42\n```\n');
    const first = server!.requests[0]!;
    expect(first.prompt).toContain('You are Qwen developed by Alibaba.');
    expect(first.stop).not.toContain('</think>');
  });

  it('qwq-32b (the default) stops on </think> and records its profile', async () => {
    const e = await engineFor([
      stopTurn('6 * 7 = 42.\n</think>', '</think>'),
      stopTurn('\nprint(42)\n```\n', '```\n'),
      eosTurn('\n</think>\n\n\\boxed{42}'),
    ]);
    const t = await e.runSample(sample(), never);
    expect(t.modelProfile).toBe('qwq-32b');
    expect(server!.requests[0]!.stop).toContain('</think>');
    expect(t.segments.find((s) => s.kind === 'hint')?.meta).toMatchObject({ placement: 'beforeThinkEnd' });
  });

  it('an engine refuses an unknown default profile, and a sample naming one ends in an error naming the known ones', async () => {
    expect(() =>
      createRolloutEngine({ endpoints: ['http://127.0.0.1:9'], model: 'm', sandbox: createSubprocessPythonRunner(), profile: 'gpt' }),
    ).toThrow(/unknown profile "gpt"; known profiles: qwq-32b, qwq-32b-preview, deepseek-r1-distill, qwen3-thinking/);
    const e = await engineFor([eosTurn('x')]);
    const t = await e.runSample(sample('qwq-33b'), never);
    expect(t.end).toBe('error');
    expect(t.error).toMatch(/unknown profile "qwq-33b"; known profiles: qwq-32b/);
    expect(server!.requests).toHaveLength(0);
  });
});
