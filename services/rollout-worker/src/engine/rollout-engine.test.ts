import { BUILTIN_RECIPES, Recipe, Trajectory, responseText, type Question } from '@rft/contracts';
import { createModelSim, demoQuestions, type ModelSim } from '@rft/model-sim';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetryLaterError } from './engine-errors.ts';
import { createRolloutEngine, type RolloutEngine, type RolloutEngineDeps } from './rollout-engine.ts';
import { createSubprocessPythonRunner } from './subprocess-python-runner.ts';

const questions: Question[] = demoQuestions();
const sandbox = createSubprocessPythonRunner({ maxConcurrent: 2 });
const recipe = (name: keyof typeof BUILTIN_RECIPES, patch: Partial<Recipe> = {}): Recipe =>
  Recipe.parse({ ...BUILTIN_RECIPES[name], ...patch });
const never = new AbortController().signal;

async function startSims(n: number, options: Parameters<typeof createModelSim>[0] = {}): Promise<{ sims: ModelSim[]; urls: string[] }> {
  const sims = Array.from({ length: n }, () => createModelSim(options));
  const urls = await Promise.all(sims.map(async (s) => (await s.start()).url));
  return { sims, urls };
}

function engineFor(urls: string[], extra: Partial<RolloutEngineDeps> = {}): RolloutEngine {
  return createRolloutEngine({ endpoints: urls, model: 'qwq-32b-sim', sandbox, ...extra });
}

const sample = (q: Question, r: Recipe, sampleIndex = 0, seed = 1000 + sampleIndex) => ({
  campaignId: 'camp-1',
  question: q,
  stage: 'test',
  sampleIndex,
  seed,
  recipe: r,
});
const textOf = (t: Trajectory): string => t.segments.map((s) => s.text).join('');

describe('rollout engine against model-sim', () => {
  let sims: ModelSim[];
  let urls: string[];
  let engine: RolloutEngine;
  beforeAll(async () => {
    ({ sims, urls } = await startSims(1));
    engine = engineFor(urls);
  });
  afterAll(async () => {
    await engine.close();
    await Promise.all(sims.map((s) => s.close()));
  });

  it('records segments whose concatenation is exactly the text the server saw', async () => {
    const t = await engine.runSample(sample(questions[3]!, recipe('hint-infer'), 0, 5), never);
    Trajectory.parse(t);
    expect(t.end).toBe('eos');
    const prompts = sims[0]!.recentPrompts();
    const lastPrompt = prompts[prompts.length - 1]!;
    const full = textOf(t);
    expect(full.startsWith(lastPrompt)).toBe(true);
    expect(t.segments[0]!.kind).toBe('prompt');
    expect(t.turns.length).toBeGreaterThan(1);
    for (const turn of t.turns) expect(turn.replica).toBe(urls[0]);
    expect(t.recipe).toBe('hint-infer');
  });

  it('runs python blocks and feeds the output back in an output fence', async () => {
    const seen: number[] = [];
    const t = await engine.runSample(sample(questions[12]!, recipe('hint-infer'), 0, 9), never, { onTurn: (_turn, i) => seen.push(i) });
    expect(seen).toEqual(t.turns.map((_, i) => i));
    expect(t.toolCalls).toBeGreaterThan(0);
    const outputs = t.segments.filter((s) => s.kind === 'tool_output');
    expect(outputs.length).toBe(t.toolCalls);
    expect(outputs[0]!.text).toMatch(/^```output\n[\s\S]*\n```\n$/);
    expect(outputs[0]!.meta).toMatchObject({ status: 'ok' });
    const code = t.segments.find((s) => s.kind === 'code')!;
    expect(code.text.endsWith('```\n')).toBe(true);
  });

  it('inserts hints after trigger words and before the end of thinking, deterministically per seed', async () => {
    const r = recipe('hint-infer', {
      hints: { enabled: true, triggerWords: ['Wait', 'Alternatively'], triggerProbability: 1, beforeThinkEnd: 2 },
    });
    const runs = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => engine.runSample(sample(questions[i * 9]!, r, 0, 100 + i), never)));
    const hints = runs.flatMap((t) => t.segments.filter((s) => s.kind === 'hint'));
    const placements = new Set(hints.map((h) => h.meta?.placement));
    expect(placements).toEqual(new Set(['afterTrigger', 'beforeThinkEnd']));
    for (const t of runs) {
      t.segments.forEach((s, i) => {
        if (s.kind !== 'hint') return;
        expect(s.text.endsWith('```python')).toBe(true);
        if (s.meta?.placement === 'afterTrigger') expect(t.segments[i - 1]!.text).toMatch(/(^|[^\p{L}])(Wait|Alternatively)[,. :!?;\n]$/u);
      });
      expect(t.hintsInserted).toBe(t.segments.filter((s) => s.kind === 'hint').length);
    }
    // "Waiting" is in the model's vocabulary but never triggers a hint
    expect(runs.some((t) => responseText(t.segments).includes('Waiting'))).toBe(true);
    const again = await engine.runSample(sample(questions[0]!, r, 0, 100), never);
    const stable = (t: Trajectory) => t.segments.map((seg) => [seg.kind, seg.text, seg.meta?.hintId ?? null]);
    expect(stable(again)).toEqual(stable(runs[0]!));
  });

  it('uses code-debug hints with the sample tests for code questions, and sandbox sessions when asked', async () => {
    const seen: Array<string | undefined> = [];
    const opened: string[] = [];
    const closed: string[] = [];
    const recording = engineFor(urls, {
      sandbox: {
        // Sessions as the sandbox issues them; the code itself runs stateless in a subprocess here.
        openSession: async () => {
          opened.push(`issued-${opened.length + 1}`);
          return opened[opened.length - 1]!;
        },
        closeSession: async (id) => {
          closed.push(id);
          return true;
        },
        run: async ({ sessionId, ...req }, signal) => {
          seen.push(sessionId);
          return sandbox.run(req, signal);
        },
      },
      options: { toolSessions: true },
    });
    try {
      const codeQuestion: Question = {
        id: 'code-1',
        kind: 'code',
        problem: 'Read two integers and print their sum.',
        tests: [{ type: 'stdin', input: '2 3\n', output: '5\n' }],
      };
      const r = recipe('hint-infer', { hints: { enabled: true, triggerWords: ['Wait'], triggerProbability: 1, beforeThinkEnd: 1 } });
      const runs = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => recording.runSample(sample(codeQuestion, r, i, 900 + i), never)));
      const hints = runs.flatMap((t) => t.segments.filter((s) => s.kind === 'hint'));
      expect(hints.length).toBeGreaterThan(0);
      for (const h of hints) {
        expect(h.meta?.purpose).toBe('code_debug');
        expect(h.text).toContain('tests = [["2 3\\n","5\\n"]]');
      }
      expect(seen.length).toBeGreaterThan(0);
      // One issued session per sample that ran code, used by all its blocks, closed when it ended.
      expect(seen.every((id) => id !== undefined && opened.includes(id))).toBe(true);
      expect(new Set(seen).size).toBe(opened.length);
      expect(opened.length).toBeLessThanOrEqual(runs.length);
      expect(closed.sort()).toEqual([...opened].sort());
      for (const t of runs) expect(t.toolState).toBe('session');
    } finally {
      await recording.close();
    }
  });

  it('answers a block past the tool-call limit with a tool output that says so', async () => {
    const r = recipe('rft', { tools: { enabled: true, maxCalls: 0, timeoutMs: 10_000, state: 'stateless' } });
    const runs = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((i) => engine.runSample(sample(questions[i]!, r, i, 40 + i), never)));
    for (const t of runs) expect(t.toolCalls).toBe(0);
    const notices = runs.flatMap((t) => t.segments.filter((s) => s.meta?.notice === 'tool_limit'));
    expect(notices.length).toBeGreaterThan(0);
    for (const n of notices) expect(n.kind).toBe('tool_output');
    expect(notices[0]!.text).toContain('limit of 0 tool calls');
    expect(runs.flatMap((t) => t.segments).some((s) => s.kind === 'system')).toBe(false);
  });

  it('stops at the token budget', async () => {
    const r = recipe('greedy', { sampling: { ...BUILTIN_RECIPES.greedy.sampling, maxTokens: 50 } });
    const t = await engine.runSample(sample(questions[0]!, r), never);
    expect(t.end).toBe('token_budget');
    expect(t.turns.reduce((s, x) => s + x.completionTokens, 0)).toBe(50);
  });

  it('aborts looping samples early and never a healthy one', async () => {
    const r = recipe('rft', { tools: { enabled: false, maxCalls: 0, timeoutMs: 10_000, state: 'stateless' } });
    const runs = await Promise.all(
      Array.from({ length: 80 }, (_, i) => engine.runSample(sample(questions[i % questions.length]!, r, i, 7000 + i), never)),
    );
    const looping = runs.filter((t) => (responseText(t.segments).match(/[Ll]et me recompute that step\./g) ?? []).length >= 3);
    const healthyLong = runs.filter((t) => responseText(t.segments).includes('Case k = '));
    expect(looping.length).toBeGreaterThan(0);
    expect(healthyLong.length).toBeGreaterThan(0);
    for (const t of looping) {
      expect(t.end).toBe('repetition_abort');
      expect(t.tokensSaved).toBeGreaterThan(8000);
    }
    for (const t of runs.filter((x) => !looping.includes(x))) expect(t.end).not.toBe('repetition_abort');
    for (const t of healthyLong) expect(t.end).toBe('token_budget');
  });

  it('keeps requests inside the served context window', async () => {
    const small = await startSims(1, { maxModelLen: 400 });
    const tight = engineFor(small.urls);
    try {
      const runs = await Promise.all(
        [0, 1, 2, 3].map((i) => tight.runSample(sample(questions[i * 10]!, recipe('hint-infer'), 0, 300 + i), never)),
      );
      for (const t of runs) {
        expect(t.end, t.error).not.toBe('error');
        for (const turn of t.turns) expect(turn.promptTokens + turn.completionTokens).toBeLessThanOrEqual(400);
      }
      expect(runs.some((t) => t.end === 'token_budget')).toBe(true);
    } finally {
      await tight.close();
      await Promise.all(small.sims.map((s) => s.close()));
    }
  });

  it('aborts a loop that keeps stopping on trigger words', async () => {
    const r = recipe('hint-infer', {
      sampling: { ...BUILTIN_RECIPES['hint-infer'].sampling, temperature: 0.6 },
      hints: { enabled: true, triggerWords: ['Wait'], triggerProbability: 0.001, beforeThinkEnd: 0 },
    });
    const runs = await Promise.all(
      Array.from({ length: 60 }, (_, i) => engine.runSample(sample(questions[i % questions.length]!, r, i, 5000 + i), never)),
    );
    const triggerLoops = runs.filter((t) => (responseText(t.segments).match(/Wait, let me recompute that step\./g) ?? []).length >= 3);
    expect(triggerLoops.length).toBeGreaterThan(0);
    for (const t of triggerLoops) {
      expect(t.end).toBe('repetition_abort');
      expect(t.turns.length).toBeGreaterThan(3); // it was stopping at every "Wait,"
    }
    const anyLoop = (t: Trajectory): boolean => (responseText(t.segments).match(/[Ll]et me recompute that step\./g) ?? []).length >= 3;
    for (const t of runs.filter((x) => !anyLoop(x))) expect(t.end).not.toBe('repetition_abort');
  });

  it('turns a chat template failure into an error trajectory', async () => {
    const broken = engineFor(urls, { chatTemplate: { chat_template: "{{ raise_exception('unsupported') }}" } });
    try {
      const t = await broken.runSample(sample(questions[0]!, recipe('rft')), never);
      expect(t.end).toBe('error');
      expect(t.error).toMatch(/chat template failed to render: .*unsupported/);
    } finally {
      await broken.close();
    }
  });

  it('throws when aborted', async () => {
    const ac = new AbortController();
    ac.abort(new Error('job cancelled'));
    await expect(engine.runSample(sample(questions[0]!, recipe('rft')), ac.signal)).rejects.toThrow('job cancelled');
  });
});

describe('faults', () => {
  let sims: ModelSim[];
  let urls: string[];
  beforeAll(async () => {
    ({ sims, urls } = await startSims(1));
  });
  afterAll(async () => Promise.all(sims.map((s) => s.close())));
  const fast = { maxAttempts: 3, backoffBaseMs: 10, backoffMaxMs: 50, failureThreshold: 10 };

  it('retries 5xx answers and resets, and counts them', async () => {
    const registry = new Registry();
    const engine = engineFor(urls, { metrics: registry, options: fast });
    try {
      sims[0]!.injectFaults([{ kind: 'error', status: 503 }, { kind: 'disconnect' }]);
      const t = await engine.runSample(sample(questions[0]!, recipe('greedy')), never);
      expect(t.end).toBe('eos');
      const text = await registry.metrics();
      expect(text).toMatch(/rollout_errors_total\{kind="http_5xx"\} 1/);
      expect(text).toMatch(/rollout_errors_total\{kind="connection"\} 1/);
    } finally {
      await engine.close();
    }
  });

  it('lets several engines share one metrics registry', async () => {
    const registry = new Registry();
    const a = engineFor(urls, { metrics: registry });
    const b = engineFor(urls, { metrics: registry });
    try {
      await a.runSample(sample(questions[0]!, recipe('greedy')), never);
      await b.runSample(sample(questions[1]!, recipe('greedy')), never);
      expect(await registry.metrics()).toMatch(/rollout_trajectories_total\{end="eos"\} 2/);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('makes an error trajectory of malformed JSON without retrying it', async () => {
    const engine = engineFor(urls, { options: fast });
    try {
      sims[0]!.injectFaults([{ kind: 'malformed_json' }]);
      const t = await engine.runSample(sample(questions[0]!, recipe('greedy')), never);
      expect(t.end).toBe('error');
      expect(t.error).toMatch(/malformed_response.*not valid JSON/);
    } finally {
      await engine.close();
    }
  });

  it('times out a hanging request and retries it', async () => {
    const engine = engineFor(urls, { options: { ...fast, requestTimeoutMs: 300 } });
    try {
      sims[0]!.injectFaults([{ kind: 'hang' }]);
      const ok = await engine.runSample(sample(questions[0]!, recipe('greedy')), never);
      expect(ok.end).toBe('eos');
      sims[0]!.injectFaults([{ kind: 'hang' }, { kind: 'hang' }, { kind: 'hang' }]);
      const failed = await engine.runSample(sample(questions[0]!, recipe('greedy')), never);
      expect(failed.end).toBe('error');
      expect(failed.error).toMatch(/timeout/);
    } finally {
      await engine.close();
    }
  });

  it('rides out random 5xx answers, resets and latency spikes without losing a sample', async () => {
    const flaky = await startSims(2, { faults: { errorRate: 0.1, disconnectRate: 0.05, latencySpikeRate: 0.05, latencySpikeMs: 50 } });
    const registry = new Registry();
    const engine = engineFor(flaky.urls, {
      metrics: registry,
      options: { maxAttempts: 8, backoffBaseMs: 5, backoffMaxMs: 40, failureThreshold: 20 },
    });
    try {
      const runs = await Promise.all(
        questions.slice(0, 24).map((q, i) => engine.runSample(sample(q, recipe('hint-infer'), 0, 600 + i), never)),
      );
      for (const t of runs) expect(t.end, t.error).not.toBe('error');
      const text = await registry.metrics();
      expect(text).toMatch(/rollout_errors_total\{kind="http_5xx"\} [1-9]/);
      expect(text).toMatch(/rollout_errors_total\{kind="connection"\} [1-9]/);
    } finally {
      await engine.close();
      await Promise.all(flaky.sims.map((s) => s.close()));
    }
  });

  it('asks for a later retry when no replica is up', async () => {
    const engine = engineFor(urls, { options: { ...fast, failureThreshold: 2, probeIntervalMs: 60_000 } });
    try {
      sims[0]!.injectFaults([
        { kind: 'error', status: 500 },
        { kind: 'error', status: 500 },
      ]);
      const err = await engine.runSample(sample(questions[0]!, recipe('greedy')), never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RetryLaterError);
      expect(engine.replicas()[0]!.health).toBe('down');
    } finally {
      await engine.close();
    }
  });
});

describe('SGLang', () => {
  it('runs the same loop against an SGLang-flavoured server (no_stop_trim, matched_stop)', async () => {
    const { sims, urls } = await startSims(1, { flavour: 'sglang' });
    const engine = engineFor(urls);
    try {
      const runs = await Promise.all(
        [0, 1, 2].map((i) => engine.runSample(sample(questions[i * 7]!, recipe('hint-infer'), 0, 70 + i), never)),
      );
      for (const t of runs) {
        Trajectory.parse(t);
        expect(t.end).not.toBe('error');
        const prompts = sims[0]!.recentPrompts();
        expect(prompts.some((p) => textOf(t).startsWith(p))).toBe(true);
      }
      expect(runs.reduce((s, t) => s + t.toolCalls, 0)).toBeGreaterThan(0);
      expect(runs.flatMap((t) => t.turns).some((turn) => turn.stopReason === 151645)).toBe(true);
    } finally {
      await engine.close();
      await Promise.all(sims.map((s) => s.close()));
    }
  });
});

describe('cancellation', () => {
  it('cancels the in-flight request so the server frees its slot', async () => {
    const { sims, urls } = await startSims(1, { decodeTokensPerSecond: 5 });
    const engine = engineFor(urls);
    try {
      const ac = new AbortController();
      const running = engine.runSample(sample(questions[0]!, recipe('greedy')), ac.signal);
      while (sims[0]!.stats().running === 0) await new Promise((r) => setTimeout(r, 5));
      expect(engine.capacity().inFlight).toBe(1);
      ac.abort(new Error('worker shutting down'));
      await expect(running).rejects.toThrow('worker shutting down');
      while (sims[0]!.stats().running > 0) await new Promise((r) => setTimeout(r, 5));
      expect(engine.capacity().inFlight).toBe(0);
    } finally {
      await engine.close();
      await Promise.all(sims.map((s) => s.close()));
    }
  });
});

describe('routing', () => {
  let sims: ModelSim[];
  let urls: string[];
  beforeAll(async () => {
    ({ sims, urls } = await startSims(3));
  });
  afterAll(async () => Promise.all(sims.map((s) => s.close())));

  it('keeps every turn of every sample of a question on one replica and spreads questions', async () => {
    const engine = engineFor(urls);
    try {
      const r = recipe('hint-infer', { hints: { enabled: true, triggerWords: ['Wait'], triggerProbability: 1, beforeThinkEnd: 1 } });
      const runs = await Promise.all(
        questions.slice(0, 12).flatMap((q) => [0, 1, 2, 3].map((i) => engine.runSample(sample(q, r, i, 50 + i), never))),
      );
      const byQuestion = new Map<string, Set<string>>();
      for (const t of runs)
        for (const turn of t.turns) {
          const set = byQuestion.get(t.questionId) ?? new Set();
          set.add(turn.replica!);
          byQuestion.set(t.questionId, set);
        }
      for (const replicas of byQuestion.values()) expect(replicas.size).toBe(1);
      expect(new Set([...byQuestion.values()].map((s) => [...s][0])).size).toBeGreaterThan(1);
      // later turns hit the prefix cache of their replica
      const later = runs.flatMap((t) => t.turns.slice(1));
      expect(later.every((turn) => (turn.cachedTokens ?? 0) > 0)).toBe(true);
    } finally {
      await engine.close();
    }
  });

  it('moves a question off a replica that went down and brings the replica back after a probe', async () => {
    const engine = engineFor(urls, {
      options: { failureThreshold: 1, maxAttempts: 3, backoffBaseMs: 5, backoffMaxMs: 20, probeIntervalMs: 50 },
    });
    try {
      const q = questions[30]!;
      const first = await engine.runSample(sample(q, recipe('greedy')), never);
      const home = first.turns[0]!.replica!;
      const homeSim = sims[urls.indexOf(home)]!;
      homeSim.injectFaults([{ kind: 'error', status: 502 }]);
      const moved = await engine.runSample(sample(q, recipe('greedy')), never);
      expect(moved.end).toBe('eos');
      expect(moved.turns[0]!.replica).not.toBe(home);
      while (engine.replicas().find((r) => r.url === home)!.health !== 'up') await new Promise((r) => setTimeout(r, 20));
      expect(engine.capacity().inFlight).toBe(0);
    } finally {
      await engine.close();
    }
  });
});
