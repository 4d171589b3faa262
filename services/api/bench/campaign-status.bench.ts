// How long the status views take as a campaign grows, on campaigns of 1k, 5k and 20k questions x 16
// graded samples (1000-question shards):
//   scan_ms   progress + rejections + cost by scanning every sample (what the roll-ups replace)
//   cold_ms   GET /v1/campaigns/:id the first time (every shard rolled up)
//   warm_ms   GET /v1/campaigns/:id while one shard is active (only that shard re-rolled)
//   charts_ms, shards_ms, failures_ms: the other views the dashboard and `rft shards` read
// Run: ./node_modules/.bin/node services/api/bench/campaign-status.bench.ts
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createApiToken, insertCampaign } from '@rft/db';
import { scanCampaignCost, scanCampaignProgress, scanRejections } from '@rft/testing';
import { sql } from 'kysely';
import { createBenchApi } from '../src/bench-api-fixture.ts';

const SIZES = [1_000, 5_000, 20_000];
const SAMPLES = 16;
const REPEATS = 5;

const { app, db, close } = await createBenchApi({ statusCacheMs: 0 });
const { token } = await createApiToken(db, { name: 'bench', role: 'operator', team: null, createdBy: 'bench' });

async function seed(questions: number): Promise<string> {
  const id = await db.transaction().execute((tx) =>
    insertCampaign(tx, {
      name: `bench-${questions}`,
      team: 'bench',
      spec: {},
      createdBy: 'bench',
      shardSize: 1000,
      stages: [{ name: 'rft', samples: SAMPLES }],
      questions: Array.from({ length: questions }, (_, i) => ({ questionId: `q${i}`, kind: 'math' as const, payload: {} })),
    }),
  );
  await sql`
    INSERT INTO samples (campaign_id, question_id, stage, sample_index, seed, attempt, recipe, end_reason, trajectory_key, trajectory_line,
      turns, tool_calls, hints, prompt_tokens, cached_tokens, completion_tokens, latency_ms, created_at)
    SELECT ${id}, 'q' || q, 'rft', s, s, 1, 'rft', 'stop', 'k', s, 2, (q + s) % 5, 0, 300, 200, 500 + (q * 7 + s * 13) % 4000, 2000,
      now() - make_interval(secs => q % 3600)
    FROM generate_series(0, ${questions - 1}) q, generate_series(0, ${SAMPLES - 1}) s`.execute(db);
  await sql`
    INSERT INTO grades (sample_id, grader_version, correct, eligible, reasons, metrics)
    SELECT id, 'v1', sample_index % 3 = 0, sample_index % 3 = 0,
      CASE WHEN sample_index % 3 = 0 THEN '{}'::text[] ELSE ARRAY['wrong_answer'] END, '{}'::jsonb
    FROM samples WHERE campaign_id = ${id}`.execute(db);
  await sql`UPDATE question_stages SET status = CASE WHEN ordinal % 50 = 0 THEN 'failed' ELSE 'graded' END,
    last_error = CASE WHEN ordinal % 50 = 0 THEN 'sandbox timeout' END, updated_at = now() - interval '1 hour'
    WHERE campaign_id = ${id}`.execute(db);
  await sql`ANALYZE`.execute(db);
  return id;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results: Array<Record<string, number>> = [];
try {
  for (const questions of SIZES) {
    const id = await seed(questions);
    const row: Record<string, number> = { questions, samples: questions * SAMPLES };
    const get = async (route: string) => {
      const t0 = performance.now();
      const res = await app.inject({ method: 'GET', url: `/v1/campaigns/${id}${route}`, headers: { authorization: `Bearer ${token}` } });
      if (res.statusCode !== 200) throw new Error(`${route}: ${res.statusCode} ${res.body.slice(0, 300)}`);
      return performance.now() - t0;
    };
    const timed = async (f: () => Promise<unknown>) => {
      const t0 = performance.now();
      await f();
      return performance.now() - t0;
    };
    const scans: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      scans.push(await timed(() => Promise.all([scanCampaignProgress(db, id), scanRejections(db, id), scanCampaignCost(db, id)])));
    }
    row.scan_ms = Math.round(median(scans));
    row.cold_ms = Math.round(await get(''));
    const warm: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      // One shard is being worked on: its items move, so its roll-up is recomputed.
      await sql`UPDATE question_stages SET updated_at = now() WHERE campaign_id = ${id} AND shard_index = 0`.execute(db);
      warm.push(await get(''));
    }
    row.warm_ms = Math.round(median(warm));
    for (const route of ['/charts', '/shards', '/failures']) {
      const times: number[] = [];
      for (let i = 0; i < REPEATS; i++) times.push(await get(route));
      row[`${route.slice(1)}_ms`] = Math.round(median(times));
    }
    results.push(row);
    console.error(`seeded and measured ${questions} questions`);
  }
  const headers = Object.keys(results[0]!);
  console.log(headers.map((h) => h.padStart(12)).join(''));
  for (const r of results) console.log(headers.map((h) => String(r[h]).padStart(12)).join(''));
  console.log('\nfull scan / warm roll-up read, per size:');
  for (const r of results) console.log(`  ${String(r.samples).padStart(8)} samples: x${(r.scan_ms! / Math.max(1, r.warm_ms!)).toFixed(1)}`);
  const out = join(import.meta.dirname, '..', '..', '..', 'bench-results');
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'campaign-status.json'), JSON.stringify({ repeats: REPEATS, statistic: 'median', results }, null, 2));
} finally {
  await close();
}
