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

const block = (n: number) => stopTurn(`Try ${n}.\n\`\`\`python\nprint(${n} * 7)\n\`\`\`\n`, '```\n');

describe('tool cap', () => {
  it('runs up to the cap, warns on the last call, answers the next block without running it, and the model answers', async () => {
    server = await startScriptedServer([
      block(1),
      block(2),
      block(3), // past the cap of 2
      // code stops are off now: a later block is plain model text, never left unanswered
      eosTurn('So I reason instead.\n```python\nprint(6 * 7)\n```\nThe answer is \\boxed{42}.\n</think>\n\n\\boxed{42}'),
    ]);
    engine = createRolloutEngine({
      endpoints: [server.url],
      model: 'scripted',
      sandbox: createSubprocessPythonRunner({ maxConcurrent: 1 }),
    });
    const recipe = Recipe.parse({ ...BUILTIN_RECIPES.rft, tools: { enabled: true, maxCalls: 2, timeoutMs: 10_000, state: 'stateless' } });
    const t = Trajectory.parse(await engine.runSample({ campaignId: 'c', question, stage: 's', sampleIndex: 0, seed: 1, recipe }, never));
    expect(t.end).toBe('eos');
    expect(t.toolCalls).toBe(2);
    const kinds = t.segments.map((s) => s.kind);
    expect(kinds).not.toContain('system');
    expect(kinds.filter((k) => k === 'code')).toHaveLength(3);
    // every code segment is followed by its tool output
    t.segments.forEach((s, i) => {
      if (s.kind === 'code') expect(t.segments[i + 1]?.kind).toBe('tool_output');
    });
    const outputs = t.segments.filter((s) => s.kind === 'tool_output');
    expect(outputs.map((s) => s.meta?.status ?? null)).toEqual(['ok', 'ok', null]);
    expect(outputs[1]!.text).toContain('last of the 2 code executions allowed');
    expect(outputs[2]!.meta).toEqual({ notice: 'tool_limit', executed: false });
    expect(server.requests[3]!.stop).not.toContain('```\n');
    expect(t.segments[t.segments.length - 1]!.kind).toBe('model');
  });
});
