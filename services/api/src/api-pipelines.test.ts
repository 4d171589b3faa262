import { createHash } from 'node:crypto';
import { getBenchmark, getPipeline, pipelineStepEvents, transitionPipelineStep } from '@rft/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  completeItemAsWorkers,
  createApiFixture,
  itemsOf,
  questionsJsonl,
  seedCampaign,
  TEAM,
  type ApiFixture,
} from './api-test-fixture.ts';

let fx: ApiFixture;
beforeAll(async () => {
  fx = await createApiFixture();
});
afterAll(() => fx.close());

const benchmarkJsonl = (n: number, prefix = 'b') =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({ id: `${prefix}${i}`, kind: 'math', problem: `Benchmark problem number ${i}?`, answer: String(i) }),
  ).join('\n');

const pipelineYaml = (opts: { name?: string; admitStep?: string; endpoint?: string; team?: string } = {}) => `
name: ${opts.name ?? 'tiny'}
${opts.team ? `team: ${opts.team}` : ''}
models:
  sim:
    name: sim-7b
    endpoints: [${opts.endpoint ?? 'http://127.0.0.1:9000'}]
benchmarks:
  bench-a: { file: bench/a.jsonl }
steps:
  greedy: { kind: campaign, model: sim, questions: q/train.jsonl, recipe: greedy }
  hint:
    kind: campaign
    model: sim
    questions: q/train.jsonl
    recipe: hint-infer
    admit: { step: ${opts.admitStep ?? 'greedy'}, questions: graded-wrong }
  evaluate:
    kind: eval
    benchmarks: [bench-a]
    models: [sim]
    recipe: { mode: sampled, samples: 4, temperature: 0.6 }
`;

const files = (bench = benchmarkJsonl(3)) => ({ 'q/train.jsonl': { content: questionsJsonl(5) }, 'bench/a.jsonl': { content: bench } });
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

async function submit(spec: string, body: Record<string, unknown> = {}, token: 'submitter' | 'otherTeam' | 'operator' = 'operator') {
  return fx.app.inject({ method: 'POST', url: '/v1/pipelines', headers: fx.auth(token), payload: { spec, files: files(), ...body } });
}

describe('POST /v1/pipelines', () => {
  test('stores every named file under its sha256, registers the benchmarks and records the steps waiting', async () => {
    const res = await submit(pipelineYaml(), {}, 'submitter');
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json();
    expect(created.order).toEqual(['greedy', 'hint', 'evaluate']);
    const questionsHash = sha(questionsJsonl(5));
    expect(created.files['q/train.jsonl']).toEqual({
      key: `pipelines/${created.id}/files/${questionsHash}`,
      sha256: questionsHash,
      bytes: questionsJsonl(5).length,
    });
    const stored = await fx.env.store.get(created.files['bench/a.jsonl'].key);
    expect(new TextDecoder().decode(stored!)).toBe(benchmarkJsonl(3));
    const bench = await getBenchmark(fx.env.db, 'bench-a');
    expect(bench).toMatchObject({
      problems: 3,
      sha256: sha(benchmarkJsonl(3)),
      objectKey: `benchmarks/bench-a/${sha(benchmarkJsonl(3))}.jsonl`,
    });
    expect((await getPipeline(fx.env.db, created.id))?.files).toEqual(created.files);

    const detail = await fx.app.inject({ method: 'GET', url: `/v1/pipelines/${created.id}`, headers: fx.auth('submitter') });
    expect(detail.statusCode, detail.body).toBe(200);
    expect(detail.json().steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual([
      'greedy:waiting',
      'hint:waiting',
      'evaluate:waiting',
    ]);
    // By name: the newest pipeline with that name.
    const byName = await fx.app.inject({ method: 'GET', url: '/v1/pipelines/tiny', headers: fx.auth('operator') });
    expect(byName.json().id).toBe(created.id);
    const list = await fx.app.inject({ method: 'GET', url: '/v1/pipelines', headers: fx.auth('operator') });
    expect(list.json().items.find((p: { id: string }) => p.id === created.id).steps).toEqual({ waiting: 3 });
  });

  test('a bad spec is refused naming the path of each problem', async () => {
    const res = await submit(pipelineYaml({ name: 'bad', admitStep: 'nowhere' }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.problems).toEqual(['body.spec.steps.hint.admit.step: no step named "nowhere"']);
  });

  test('endpoints off the allow-list, missing files and bad lines are refused before anything is stored', async () => {
    const offList = await submit(pipelineYaml({ name: 'far', endpoint: 'http://10.9.9.9:8000' }));
    expect(offList.statusCode).toBe(400);
    expect(offList.json().error.problems[0]).toMatch(/^body\.spec\.models\.sim\.endpoints\.0: /);
    const missing = await submit(pipelineYaml({ name: 'missing' }), { files: { 'q/train.jsonl': { content: questionsJsonl(2) } } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.problems).toEqual(['body.files: missing "bench/a.jsonl" (named by body.spec.benchmarks.bench-a.file)']);
    const badLine = await submit(pipelineYaml({ name: 'bad-line' }), { files: files(`${benchmarkJsonl(1)}\nnot json`) });
    expect(badLine.statusCode).toBe(400);
    expect(badLine.json().error.problems[0]).toMatch(/^body\.files\.bench\/a\.jsonl:2: invalid JSON/);
  });

  test('a train step whose profile file is not a training profile is refused naming the file and field', async () => {
    const spec = `
name: trains
models: { sim: { name: sim-7b } }
steps:
  greedy: { kind: campaign, model: sim, questions: q/train.jsonl, recipe: greedy }
  pick: { kind: select, policy: rft, from: greedy }
  train: { kind: train, dataset: pick, base: sim, profile: profiles/p.yaml, produces: sim-ft }
`;
    const post = (profile: string) =>
      submit(spec, { files: { 'q/train.jsonl': { content: questionsJsonl(2) }, 'profiles/p.yaml': { content: profile } } });
    const bad = await post('backend: nowhere\n');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.problems[0]).toMatch(/^body\.files\.profiles\/p\.yaml: backend: /);
    expect((await post('backend: slurm\ncluster: { nodes: 4 }\ntraining: { learningRate: 7e-6 }\n')).statusCode).toBe(201);
  });

  test('a benchmark name already registered with other content is a 409 naming it', async () => {
    const res = await submit(pipelineYaml({ name: 'other-bench' }), { files: files(benchmarkJsonl(4)) });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.message).toMatch(/^body\.spec\.benchmarks: benchmark bench-a is already registered with other content/);
    expect(
      (await fx.app.inject({ method: 'GET', url: '/v1/pipelines?name=other-bench', headers: fx.auth('operator') })).json().items,
    ).toEqual([]);
  });

  test('a file uploaded through POST /v1/uploads is read by its key', async () => {
    const upload = await fx.app.inject({ method: 'POST', url: '/v1/uploads', headers: fx.auth('submitter'), payload: {} });
    const { key } = upload.json();
    await fx.env.store.put(key, questionsJsonl(5));
    const res = await submit(pipelineYaml({ name: 'uploaded' }), { files: { ...files(), 'q/train.jsonl': { key } } }, 'submitter');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().files['q/train.jsonl'].sha256).toBe(sha(questionsJsonl(5)));
  });

  test("a file key outside the team's uploads, or naming nothing, is refused naming the file", async () => {
    const withKey = (key: string) => ({ files: { ...files(), 'q/train.jsonl': { key } } });
    const foreign = await submit(pipelineYaml({ name: 'foreign' }), withKey('uploads/other-team/q.jsonl'), 'submitter');
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().error.message).toMatch(/^body\.files\.q\/train\.jsonl\.key: submitters use keys from POST \/v1\/uploads/);
    const missing = await submit(pipelineYaml({ name: 'missing' }), withKey('uploads/nothing-here.jsonl'));
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.message).toBe(
      'body.files.q/train.jsonl.key: no object at "uploads/nothing-here.jsonl"; upload the file first',
    );
  });
});

describe('teams', () => {
  test("a pipeline takes its submitter's team; other teams' submitters neither list nor see it", async () => {
    const created = await submit(pipelineYaml({ name: 'team-owned' }), {}, 'submitter');
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().team).toBe(TEAM);
    const id = created.json().id;
    const get = (token: 'submitter' | 'otherTeam' | 'operator', ref: string, tail = '') =>
      fx.app.inject({ method: 'GET', url: `/v1/pipelines/${ref}${tail}`, headers: fx.auth(token) });
    expect((await get('submitter', id)).json()).toMatchObject({ id, team: TEAM });
    const foreign = await get('otherTeam', id);
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().error.message).toMatch(/^this pipeline belongs to another team; your token acts for team "nlp"/);
    expect((await get('otherTeam', id, '/report')).statusCode).toBe(403);
    expect((await get('otherTeam', 'team-owned')).statusCode).toBe(404);
    const list = (token: 'submitter' | 'otherTeam' | 'operator', query = '') =>
      fx.app.inject({ method: 'GET', url: `/v1/pipelines${query}`, headers: fx.auth(token) }).then((r) => r.json().items);
    expect((await list('otherTeam')).map((p: { id: string }) => p.id)).not.toContain(id);
    expect((await list('submitter')).every((p: { team: string }) => p.team === TEAM)).toBe(true);
    // Operators see every team's, and may narrow to one.
    expect((await list('operator', `?team=${TEAM}`)).map((p: { id: string }) => p.id)).toContain(id);
    expect(await list('operator', '?team=nlp')).toEqual([]);
  });

  test("a submitter may not file a pipeline under another team; an operator's goes where its spec says", async () => {
    const refused = await submit(pipelineYaml({ name: 'elsewhere', team: 'nlp' }), {}, 'submitter');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toMatch(/^body\.spec\.team is "nlp" but your token submits for team "vision"/);
    const operators = await submit(pipelineYaml({ name: 'for-nlp', team: 'nlp' }));
    expect(operators.json().team).toBe('nlp');
    expect((await submit(pipelineYaml({ name: 'no-team' }))).json().team).toBe('default');
  });
});

describe('retry and accept', () => {
  let id: string;
  beforeAll(async () => {
    id = (await submit(pipelineYaml({ name: 'retries' }))).json().id;
    const at = new Date();
    await transitionPipelineStep(fx.env.db, { pipelineId: id, step: 'greedy', to: 'running', at });
    await transitionPipelineStep(fx.env.db, { pipelineId: id, step: 'greedy', to: 'failed', reason: 'campaign failed', at });
  });

  test('a waiting step downstream of a failed one names its holder; the failed one names the next command', async () => {
    const steps = (await fx.app.inject({ method: 'GET', url: `/v1/pipelines/${id}`, headers: fx.auth('operator') })).json().steps;
    const greedy = steps.find((s: { name: string }) => s.name === 'greedy');
    expect(greedy).toMatchObject({
      status: 'failed',
      reason: 'campaign failed',
      next: expect.stringContaining(`rft pipelines retry-step ${id.slice(0, 8)} greedy`),
    });
    expect(steps.find((s: { name: string }) => s.name === 'hint').heldBy).toBe('greedy');
  });

  test('operators only; retry moves failed to waiting with the actor recorded; a second retry is a 409 naming the status', async () => {
    const url = `/v1/pipelines/${id}/steps/greedy/retry`;
    expect((await fx.app.inject({ method: 'POST', url, headers: fx.auth('submitter'), payload: {} })).statusCode).toBe(403);
    const res = await fx.app.inject({ method: 'POST', url, headers: fx.auth('operator'), payload: {} });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ step: 'greedy', status: 'waiting', reason: null });
    const events = await pipelineStepEvents(fx.env.db, id, 'greedy');
    expect(events.at(-1)).toMatchObject({ status: 'waiting', detail: { actor: expect.stringContaining('oncall'), action: 'retry' } });
    const audit = await fx.env.db.selectFrom('audit_events').selectAll().where('target_id', '=', `${id}/greedy`).execute();
    expect(audit.map((a) => [a.action, a.before, a.after])).toEqual([
      ['pipeline.step.retry', { status: 'failed', reason: 'campaign failed' }, { status: 'waiting', reason: null }],
    ]);
    const again = await fx.app.inject({ method: 'POST', url, headers: fx.auth('operator'), payload: {} });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.message).toBe('step greedy is waiting; only a failed or partial step can be retried');
  });

  test('accept needs a reason and records it; an unknown step is a 404', async () => {
    const at = new Date();
    await transitionPipelineStep(fx.env.db, { pipelineId: id, step: 'greedy', to: 'running', at });
    await transitionPipelineStep(fx.env.db, { pipelineId: id, step: 'greedy', to: 'partial', reason: '3 items failed', at });
    const url = `/v1/pipelines/${id}/steps/greedy/accept`;
    expect((await fx.app.inject({ method: 'POST', url, headers: fx.auth('operator'), payload: {} })).statusCode).toBe(400);
    const res = await fx.app.inject({ method: 'POST', url, headers: fx.auth('operator'), payload: { reason: 'enough questions' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'accepted', reason: 'accepted by oncall: enough questions' });
    expect((await pipelineStepEvents(fx.env.db, id, 'greedy')).at(-1)?.detail).toMatchObject({ reason: 'enough questions' });
    const unknown = await fx.app.inject({
      method: 'POST',
      url: `/v1/pipelines/${id}/steps/nope/retry`,
      headers: fx.auth('operator'),
      payload: {},
    });
    expect(unknown.statusCode).toBe(404);
  });
});

describe('models and benchmarks', () => {
  test('register a base model, then set its endpoints; endpoints off the allow-list are refused', async () => {
    const post = (payload: Record<string, unknown>, token: 'operator' | 'submitter' = 'operator') =>
      fx.app.inject({ method: 'POST', url: '/v1/models', headers: fx.auth(token), payload });
    expect((await post({ name: 'qwq', endpoints: ['http://127.0.0.1:8001'], profile: 'qwq-32b-preview' }, 'submitter')).statusCode).toBe(
      403,
    );
    expect((await post({ name: 'qwq', endpoints: ['http://127.0.0.1:8001'] })).statusCode).toBe(400);
    const created = await post({ name: 'qwq', endpoints: ['http://127.0.0.1:8001'], profile: 'qwq-32b-preview' });
    expect(created.statusCode, created.body).toBe(200);
    expect(created.json()).toMatchObject({ name: 'qwq', profile: 'qwq-32b-preview', lineage: { kind: 'base' } });
    const moved = await post({ name: 'qwq', endpoints: ['http://127.0.0.1:8002', 'http://127.0.0.1:8003'] });
    expect(moved.json().endpoints).toEqual(['http://127.0.0.1:8002', 'http://127.0.0.1:8003']);
    const refused = await post({ name: 'qwq', endpoints: ['http://169.254.169.254'] });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.problems[0]).toMatch(/^body\.endpoints\.0: /);
    const list = await fx.app.inject({ method: 'GET', url: '/v1/models', headers: fx.auth('submitter') });
    expect(list.json().items.find((m: { name: string }) => m.name === 'qwq').endpoints).toHaveLength(2);
  });

  test('add a benchmark: bad lines refused with their line, the same content again is fine, other content a 409', async () => {
    const post = (content: string) =>
      fx.app.inject({
        method: 'POST',
        url: '/v1/benchmarks',
        headers: fx.auth('operator'),
        payload: { name: 'aime-x', content, file: 'aime.jsonl' },
      });
    const bad = await post('{"id":1}');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.problems[0]).toMatch(/^body\.content \(aime\.jsonl\):1/);
    const ok = await post(benchmarkJsonl(2, 'a'));
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ name: 'aime-x', problems: 2, objectKey: `benchmarks/aime-x/${sha(benchmarkJsonl(2, 'a'))}.jsonl` });
    expect((await post(benchmarkJsonl(2, 'a'))).statusCode).toBe(201);
    expect((await post(benchmarkJsonl(3, 'a'))).statusCode).toBe(409);
    const list = await fx.app.inject({ method: 'GET', url: '/v1/benchmarks', headers: fx.auth('submitter') });
    expect(list.json().items.map((b: { name: string }) => b.name)).toContain('aime-x');
  });
});

describe('GET /v1/pipelines/:id/report', () => {
  test('pass@1, unbiased pass@k and maj@k from the eval campaign match a hand-computed case', async () => {
    const id = (await submit(pipelineYaml({ name: 'report' }), {}, 'submitter')).json().id;
    const campaignId = await seedCampaign(fx.env.db, { name: 'eval-sim-bench-a', questions: 4, samples: 4 });
    // Per question, which of its 4 samples are right and the answers they gave.
    const correct: Record<string, boolean[]> = {
      q0: [true, true, false, false],
      q1: [false, false, false, false],
      q2: [true, true, true, true],
      q3: [true, false, false, false],
    };
    const answers: Record<string, string[]> = {
      q0: ['42', '42', '7', '7'],
      q1: ['7', '7', '7', '7'],
      q2: ['2', '2', '2', '2'],
      q3: ['3', '9', '9', '8'],
    };
    for (const item of await itemsOf(fx.env.db, campaignId)) {
      await completeItemAsWorkers(fx.env.db, item, { correct: (i) => correct[item.questionId]![i]! });
    }
    await sql`UPDATE grades g SET metrics = jsonb_build_object('answer', (${JSON.stringify(answers)}::jsonb -> s.question_id ->> s.sample_index))
      FROM samples s WHERE s.id = g.sample_id AND s.campaign_id = ${campaignId}`.execute(fx.env.db);
    const at = new Date();
    await transitionPipelineStep(fx.env.db, {
      pipelineId: id,
      step: 'evaluate',
      to: 'running',
      output: { campaigns: [{ model: 'sim', benchmark: 'bench-a', campaignId }] },
      at,
    });

    const res = await fx.app.inject({ method: 'GET', url: `/v1/pipelines/${id}/report`, headers: fx.auth('submitter') });
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json();
    expect(report.metrics).toEqual(['pass@1', 'pass@2', 'pass@4', 'maj@2', 'maj@4']);
    const score = report.cells[0].score;
    expect(report.cells[0]).toMatchObject({ model: 'sim', benchmark: 'bench-a', samples: 16 });
    expect(score.questions).toBe(4);
    expect(score.metrics['pass@1'].value).toBeCloseTo((0.5 + 0 + 1 + 0.25) / 4, 12);
    // 1 - C(n-c, 2) / C(4, 2): q0 1 - 1/6, q1 0, q2 1, q3 1 - 3/6.
    expect(score.metrics['pass@2'].value).toBeCloseTo((5 / 6 + 0 + 1 + 0.5) / 4, 12);
    expect(score.metrics['pass@4'].value).toBeCloseTo(3 / 4, 12);
    // Majority of 4: q0 ties 42/7, the first seen (42) is right; q3's majority 9 is wrong.
    expect(score.metrics['maj@4'].value).toBeCloseTo(2 / 4, 12);
    const [low, high] = score.metrics['pass@1'].interval;
    expect(low).toBeLessThanOrEqual(0.4375);
    expect(high).toBeGreaterThanOrEqual(0.4375);
    expect(report.tables[0]).toMatchObject({ metric: 'pass@1', benchmarks: ['bench-a'], rows: [{ model: 'sim' }] });
  });
});
