import { zstdCompressSync } from 'node:zlib';
import { InputError, type CampaignCost, type CostLine } from '@rft/contracts';
import { parseCampaignSpec, parseQuestionFile } from '@rft/intake';
import type { ApiClient } from './api-client.ts';
import { clientFor, parseCommand, positional, positiveNumber, printJson, type CliIo } from './cli-context.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';
import { renderCampaignStatus, TERMINAL_CAMPAIGN_STATUSES, type CampaignDetail } from './campaign-status.ts';
import { table } from './render.ts';

async function readOrUsage(io: CliIo, path: string, what: string): Promise<Uint8Array> {
  try {
    return await io.readFile(path);
  } catch (error) {
    throw new CliError(
      EXIT.invalidInput,
      `cannot read the ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

const SUBMIT_USAGE = 'rft submit <spec.yaml> <questions.jsonl> [--budget-tokens N] [--budget-gpu-hours H] [--upload] [--dry-run] [--json]';

/**
 * Question files above this go to the object store through a presigned URL instead of the request
 * body: half the API's default inline limit (16 MiB), leaving room for JSON escaping of the text.
 */
const INLINE_LIMIT_BYTES = 8 * 1024 * 1024;

/** Compresses the file (zstd) and PUTs it to the object store; returns the key to register. */
async function uploadQuestions(api: ApiClient, bytes: Uint8Array): Promise<string> {
  const target = await api.post<{ key: string; url: string }>('/v1/uploads', { compression: 'zstd' });
  let res: Response;
  try {
    res = await fetch(target.url, { method: 'PUT', body: zstdCompressSync(bytes) });
  } catch (error) {
    throw new CliError(EXIT.unreachable, `cannot reach the object store to upload the questions: ${(error as Error).message}`);
  }
  if (!res.ok) throw new CliError(EXIT.failure, `upload of the question file failed: ${res.status} ${res.statusText}`);
  return target.key;
}

/** Validates the spec and the questions locally (same parser as the API), then registers the campaign. */
export async function submit(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const p = parseCommand(
    args,
    {
      'budget-tokens': { type: 'string' },
      'budget-gpu-hours': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      upload: { type: 'boolean', default: false },
    },
    SUBMIT_USAGE,
  );
  const specPath = positional(p, 0, 'spec.yaml', SUBMIT_USAGE);
  const questionsPath = positional(p, 1, 'questions.jsonl', SUBMIT_USAGE);
  const specText = new TextDecoder().decode(await readOrUsage(io, specPath, 'spec'));
  const questionBytes = await readOrUsage(io, questionsPath, 'question file');
  let questionCount: number;
  let specName: string;
  try {
    specName = parseCampaignSpec(specText, specPath).name;
    questionCount = parseQuestionFile(questionBytes, questionsPath).length;
  } catch (error) {
    if (error instanceof InputError)
      throw new CliError(
        EXIT.invalidInput,
        `${error.message.split('\n')[0]}\nfix these and submit again; nothing was sent`,
        error.problems,
      );
    throw error;
  }
  const tokens = positiveNumber(p.values['budget-tokens'], 'budget-tokens');
  const gpuHours = positiveNumber(p.values['budget-gpu-hours'], 'budget-gpu-hours');
  if (p.values['dry-run']) {
    if (p.values.json) printJson(io, { valid: true, name: specName, questions: questionCount });
    else io.stdout(`valid: campaign "${specName}" with ${questionCount} questions (dry run, nothing sent)`);
    return EXIT.ok;
  }
  const api = clientFor(p.values, io);
  const upload = p.values.upload || questionBytes.byteLength > INLINE_LIMIT_BYTES;
  const questions = upload
    ? { questionsKey: await uploadQuestions(api, questionBytes) }
    : { questions: new TextDecoder().decode(questionBytes) };
  const created = await api.post<{ id: string; questions: number; stages: string[] }>('/v1/campaigns', {
    spec: specText,
    ...questions,
    ...(tokens || gpuHours ? { budget: { ...(tokens ? { tokens } : {}), ...(gpuHours ? { gpuHours } : {}) } } : {}),
  });
  if (p.values.json) printJson(io, created);
  else
    io.stdout(
      `submitted campaign ${created.id}: ${created.questions} questions, stages ${created.stages.join(', ')}\nfollow it with: rft status ${created.id} --watch`,
    );
  return EXIT.ok;
}

const LIST_USAGE = 'rft campaigns [--status running,paused] [--team T] [--name SUBSTRING] [--sort -created_at] [--limit N] [--json]';

export async function listCampaigns(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const p = parseCommand(
    args,
    { status: { type: 'string' }, team: { type: 'string' }, name: { type: 'string' }, sort: { type: 'string' }, limit: { type: 'string' } },
    LIST_USAGE,
  );
  const qs = new URLSearchParams();
  if (p.values.status) qs.set('status', p.values.status);
  if (p.values.team) qs.set('team', p.values.team);
  if (p.values.name) qs.set('q', p.values.name);
  if (p.values.sort) qs.set('sort', p.values.sort);
  if (p.values.limit) qs.set('limit', p.values.limit);
  const page = await clientFor(p.values, io).get<{
    total: number;
    items: Array<{ id: string; name: string; team: string; status: string; questionCount: number; createdAt: string }>;
  }>(`/v1/campaigns${qs.size ? `?${qs}` : ''}`);
  if (p.values.json) printJson(io, page);
  else
    io.stdout(
      `${table(
        ['id', 'name', 'team', 'status', 'questions', 'created'],
        page.items.map((c) => [c.id, c.name, c.team, c.status, c.questionCount, c.createdAt]),
      )}\n${page.items.length} of ${page.total}`,
    );
  return EXIT.ok;
}

const STATUS_USAGE = 'rft status <campaign> [--watch] [--interval SECONDS] [--json]';

/** One view of a campaign; with --watch, redraws until the campaign is completed, failed or cancelled. */
export async function status(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const p = parseCommand(args, { watch: { type: 'boolean', default: false }, interval: { type: 'string', default: '5' } }, STATUS_USAGE);
  const id = positional(p, 0, 'campaign', STATUS_USAGE);
  const intervalS = positiveNumber(p.values.interval, 'interval')!;
  const api = clientFor(p.values, io);
  for (;;) {
    const detail = await api.get<CampaignDetail>(`/v1/campaigns/${encodeURIComponent(id)}`);
    if (p.values.json) printJson(io, detail);
    else io.stdout(`${p.values.watch && io.isTty ? '\x1b[H\x1b[2J' : ''}${renderCampaignStatus(detail)}`);
    const state = detail.campaign.status;
    if (!p.values.watch || TERMINAL_CAMPAIGN_STATUSES.has(state)) {
      return p.values.watch && (state === 'failed' || state === 'cancelled') ? EXIT.campaignFailed : EXIT.ok;
    }
    if (!p.values.json) io.stdout(`\n(refreshing every ${intervalS}s; Ctrl-C to stop)\n`);
    await io.sleep(intervalS * 1000);
  }
}

const ACTION_USAGE = (action: string) => `rft ${action} <campaign> [--reason TEXT] [--json]`;

export async function campaignAction(action: 'pause' | 'resume' | 'cancel', args: readonly string[], io: CliIo): Promise<ExitCode> {
  const p = parseCommand(args, { reason: { type: 'string' } }, ACTION_USAGE(action));
  const id = positional(p, 0, 'campaign', ACTION_USAGE(action));
  const res = await clientFor(p.values, io).post<{
    campaign: { status: string; statusReason: string | null };
    previousStatus: string;
    itemsCancelled?: number;
  }>(`/v1/campaigns/${encodeURIComponent(id)}/${action}`, p.values.reason ? { reason: p.values.reason } : {});
  if (p.values.json) printJson(io, res);
  else
    io.stdout(
      `campaign ${id}: ${res.previousStatus} -> ${res.campaign.status}${res.itemsCancelled !== undefined ? ` (${res.itemsCancelled} work items will not run)` : ''}`,
    );
  return EXIT.ok;
}

const BUDGET_USAGE = 'rft budget <campaign> [--tokens N] [--gpu-hours H] (omit both to clear) [--json]';

export async function budget(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const p = parseCommand(args, { tokens: { type: 'string' }, 'gpu-hours': { type: 'string' } }, BUDGET_USAGE);
  const id = positional(p, 0, 'campaign', BUDGET_USAGE);
  const tokens = positiveNumber(p.values.tokens, 'tokens');
  const gpuHours = positiveNumber(p.values['gpu-hours'], 'gpu-hours');
  const res = await clientFor(p.values, io).put<{ budget: { tokens: number | null; gpuHours: number | null } }>(
    `/v1/campaigns/${encodeURIComponent(id)}/budget`,
    {
      tokens: tokens ?? null,
      gpuHours: gpuHours ?? null,
    },
  );
  if (p.values.json) printJson(io, res);
  else io.stdout(`budget of ${id}: ${res.budget.tokens ?? 'no'} token limit, ${res.budget.gpuHours ?? 'no'} GPU-hour limit`);
  return EXIT.ok;
}

const COST_USAGE = 'rft cost <campaign> [--by stage|shard] [--json]';

/** Tokens, replica-seconds and CPU-seconds per stage or shard, and per accepted sample. */
export async function cost(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const p = parseCommand(args, { by: { type: 'string', default: 'stage' } }, COST_USAGE);
  const id = positional(p, 0, 'campaign', COST_USAGE);
  if (p.values.by !== 'stage' && p.values.by !== 'shard')
    throw new CliError(EXIT.usage, `--by must be stage or shard\nusage: ${COST_USAGE}`);
  const res = await clientFor(p.values, io).get<CampaignCost>(`/v1/campaigns/${encodeURIComponent(id)}/cost`);
  if (p.values.json) {
    printJson(io, res);
    return EXIT.ok;
  }
  const fmt = (v: number | null | undefined, digits = 0) => (v === null || v === undefined ? '-' : Number(v.toFixed(digits)));
  const line = (name: string | number, c: CostLine) => [
    name,
    c.samples,
    c.accepted,
    c.promptTokens,
    c.cachedTokens,
    c.completionTokens,
    fmt(c.replicaSeconds, 1),
    fmt(c.sandboxCpuSeconds, 1),
    fmt(c.graderCpuSeconds, 1),
    fmt(c.perAccepted?.completionTokens),
    fmt(c.perAccepted?.replicaSeconds, 2),
  ];
  const rows = p.values.by === 'shard' ? res.byShard.map((c) => line(c.shardIndex, c)) : res.byStage.map((c) => line(c.stage, c));
  io.stdout(
    table(
      [
        p.values.by,
        'samples',
        'accepted',
        'prompt tok',
        'cached tok',
        'generated tok',
        'replica-s',
        'sandbox CPU-s',
        'grader CPU-s',
        'gen tok/accepted',
        'replica-s/accepted',
      ],
      [...rows, line('total', res.total)],
    ),
  );
  return EXIT.ok;
}

const AUDIT_USAGE = 'rft audit <campaign> [--json]';

/** Who did what to a campaign and when: submissions, pauses, retries, quarantines, budgets. */
export async function audit(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const p = parseCommand(args, {}, AUDIT_USAGE);
  const id = positional(p, 0, 'campaign', AUDIT_USAGE);
  const res = await clientFor(p.values, io).get<{
    items: Array<{ at: string; actor: string; action: string; target: string; after: unknown }>;
  }>(`/v1/campaigns/${encodeURIComponent(id)}/audit`);
  if (p.values.json) printJson(io, res);
  else
    io.stdout(
      table(
        ['at', 'actor', 'action', 'target', 'after'],
        res.items.map((e) => [e.at, e.actor, e.action, e.target, JSON.stringify(e.after ?? null).slice(0, 100)]),
      ),
    );
  return EXIT.ok;
}
