import { createTestEnv, type TestEnv } from '@rft/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parseCampaignSpec } from './parse-spec.ts';
import { parseQuestionFile } from './parse-questions.ts';
import { registerCampaign } from './register-campaign.ts';

const SPEC = `
name: budgeted
team: platform
model: { name: sim }
stages:
  - { name: rft, recipe: rft, samples: 4 }
shardSize: 2
`;
const questions = () =>
  parseQuestionFile(
    new TextEncoder().encode(['a', 'b'].map((id) => JSON.stringify({ id, kind: 'math', problem: id, answer: '1' })).join('\n')),
    'q.jsonl',
  );

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env.cleanup());

const campaignCount = async () =>
  Number(
    (
      await env.db
        .selectFrom('campaigns')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

test('a campaign is registered with its budget and both audit events, in one transaction', async () => {
  const id = await registerCampaign(env.db, parseCampaignSpec(SPEC, 'spec.yaml'), questions(), 'alice', {
    budget: { tokens: 5_000_000, gpuHours: null },
  });
  const campaign = await env.db
    .selectFrom('campaigns')
    .select(['budget_tokens', 'budget_gpu_hours'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  expect({ tokens: Number(campaign.budget_tokens), gpuHours: campaign.budget_gpu_hours }).toEqual({ tokens: 5_000_000, gpuHours: null });
  const audit = await env.db
    .selectFrom('audit_events')
    .select(['action', 'actor', 'after'])
    .where('target_id', '=', id)
    .orderBy('id')
    .execute();
  expect(audit.map((a) => [a.action, a.actor])).toEqual([
    ['campaign.create', 'alice'],
    ['campaign.budget', 'alice'],
  ]);
  expect(audit[1]!.after).toEqual({ tokens: 5_000_000, gpuHours: null });
});

test('a budget that cannot be stored leaves no campaign behind, rather than one running without its budget', async () => {
  const before = await campaignCount();
  // Beyond bigint: Postgres refuses the budget after the campaign, its items and its audit row.
  await expect(
    registerCampaign(env.db, parseCampaignSpec(SPEC, 'spec.yaml'), questions(), 'alice', { budget: { tokens: 1e30, gpuHours: null } }),
  ).rejects.toThrow(/bigint|out of range/);
  expect(await campaignCount()).toBe(before);
});

test('no budget, or an empty one, registers the campaign without one', async () => {
  const id = await registerCampaign(env.db, parseCampaignSpec(SPEC, 'spec.yaml'), questions(), 'bob', {
    budget: { tokens: null, gpuHours: null },
  });
  const audit = await env.db.selectFrom('audit_events').select('action').where('target_id', '=', id).execute();
  expect(audit.map((a) => a.action)).toEqual(['campaign.create']);
});
