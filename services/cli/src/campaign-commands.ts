import { zstdCompressSync } from 'node:zlib';
import type { CostLine } from '@rft/contracts';
import type { ApiClient } from './api-client.ts';
import type { paths } from './api-types.ts';
import { clientFor, intOption, positiveNumber, printJson, type CliIo, type GlobalOptions } from './cli-context.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';
import { renderCampaignStatus, watchExitCode } from './campaign-status.ts';
import { table } from './render.ts';
import { resolveCampaign } from './resolve-ref.ts';

export async function readOrUsage(io: CliIo, path: string, what: string): Promise<Uint8Array> {
  try {
    return await io.readFile(path);
  } catch (error) {
    throw new CliError(
      EXIT.invalidInput,
      `cannot read the ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

/**
 * Question files above this go to the object store through a presigned URL instead of the request
 * body: half the API's default inline limit (16 MiB), leaving room for JSON escaping of the text.
 */
const INLINE_LIMIT_BYTES = 8 * 1024 * 1024;

/** Compresses the file (zstd) and PUTs it to the object store; returns the key to register. */
async function uploadQuestions(api: ApiClient, bytes: Uint8Array): Promise<string> {
  const target = await api.data(api.POST('/v1/uploads', { body: { compression: 'zstd' } }));
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
export async function submit(
  [specPath, questionsPath]: string[],
  opts: GlobalOptions & { budgetTokens?: string; budgetGpuHours?: string; upload?: boolean; dryRun?: boolean },
  io: CliIo,
): Promise<ExitCode> {
  // Loaded here, not at the top: only submit needs the spec parser.
  const [{ InputError }, { parseCampaignSpec, parseQuestionFile }] = await Promise.all([import('@rft/contracts'), import('@rft/intake')]);
  if (!specPath || !questionsPath) throw new CliError(EXIT.usage, 'submit needs <spec.yaml> <questions.jsonl>');
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
  const tokens = positiveNumber(opts.budgetTokens, 'budget-tokens');
  const gpuHours = positiveNumber(opts.budgetGpuHours, 'budget-gpu-hours');
  if (opts.dryRun) {
    if (opts.json) printJson(io, { valid: true, name: specName, questions: questionCount });
    else io.stdout(`valid: campaign "${specName}" with ${questionCount} questions (dry run, nothing sent)`);
    return EXIT.ok;
  }
  const api = clientFor(opts, io);
  const upload = opts.upload || questionBytes.byteLength > INLINE_LIMIT_BYTES;
  const questions = upload
    ? { questionsKey: await uploadQuestions(api, questionBytes) }
    : { questions: new TextDecoder().decode(questionBytes) };
  const created = await api.data(
    api.POST('/v1/campaigns', {
      body: {
        spec: specText,
        ...questions,
        ...(tokens || gpuHours ? { budget: { ...(tokens ? { tokens } : {}), ...(gpuHours ? { gpuHours } : {}) } } : {}),
      },
    }),
  );
  if (opts.json) printJson(io, created);
  else
    io.stdout(
      `submitted campaign ${created.id}: ${created.questions} questions, stages ${created.stages.join(', ')}\nfollow it with: rft status ${created.id} --watch`,
    );
  return EXIT.ok;
}

export async function listCampaigns(
  _args: string[],
  opts: GlobalOptions & { status?: string; team?: string; name?: string; sort?: string; limit?: string },
  io: CliIo,
): Promise<ExitCode> {
  const limit = intOption(opts.limit, 'limit');
  type Query = NonNullable<paths['/v1/campaigns']['get']['parameters']['query']>;
  const api = clientFor(opts, io);
  // The API checks statuses and sort fields and names a wrong one (exit 3).
  const query: Query = {
    ...(opts.status ? { status: opts.status.split(',').map((s) => s.trim()) as Query['status'] } : {}),
    ...(opts.team ? { team: opts.team } : {}),
    ...(opts.name ? { q: opts.name } : {}),
    ...(opts.sort ? { sort: opts.sort as Query['sort'] } : {}),
    ...(limit !== undefined ? { limit } : {}),
  };
  const page = await api.data(api.GET('/v1/campaigns', { params: { query } }));
  // Short ids, as in `git log --oneline`: enough to address a campaign (see resolve-ref.ts).
  if (opts.json) printJson(io, page);
  else
    io.stdout(
      `${table(
        ['id', 'name', 'team', 'status', 'questions', 'created'],
        page.items.map((c) => [c.id.slice(0, 8), c.name, c.team, c.status, c.questionCount, c.createdAt]),
      )}\n${page.items.length} of ${page.total}`,
    );
  return EXIT.ok;
}

export async function status([ref]: string[], opts: GlobalOptions & { watch?: boolean; interval?: string }, io: CliIo): Promise<ExitCode> {
  const intervalS = positiveNumber(opts.interval ?? '5', 'interval')!;
  const api = clientFor(opts, io);
  const id = await resolveCampaign(api, ref!);
  for (;;) {
    const detail = await api.data(api.GET('/v1/campaigns/{id}', { params: { path: { id } } }));
    if (opts.json) printJson(io, detail);
    else io.stdout(`${opts.watch && io.isTty ? '\x1b[H\x1b[2J' : ''}${renderCampaignStatus(detail)}`);
    const ended = watchExitCode(detail.campaign.status);
    if (!opts.watch) return EXIT.ok;
    if (ended !== undefined) return ended;
    if (!opts.json) io.stdout(`\n(refreshing every ${intervalS}s; Ctrl-C to stop)\n`);
    await io.sleep(intervalS * 1000);
  }
}

export async function campaignAction(
  action: 'pause' | 'resume' | 'cancel',
  [ref]: string[],
  opts: GlobalOptions & { reason?: string },
  io: CliIo,
): Promise<ExitCode> {
  const api = clientFor(opts, io);
  const id = await resolveCampaign(api, ref!);
  const res = await api.data(
    api.POST(`/v1/campaigns/{id}/${action}`, { params: { path: { id } }, body: opts.reason ? { reason: opts.reason } : {} }),
  );
  if (opts.json) printJson(io, res);
  else
    io.stdout(
      `campaign ${id}: ${res.previousStatus} -> ${res.campaign.status}${res.itemsCancelled !== undefined ? ` (${res.itemsCancelled} work items will not run)` : ''}`,
    );
  return EXIT.ok;
}

export async function budget([ref]: string[], opts: GlobalOptions & { tokens?: string; gpuHours?: string }, io: CliIo): Promise<ExitCode> {
  const tokens = positiveNumber(opts.tokens, 'tokens');
  const gpuHours = positiveNumber(opts.gpuHours, 'gpu-hours');
  const api = clientFor(opts, io);
  const id = await resolveCampaign(api, ref!);
  const res = await api.data(
    api.PUT('/v1/campaigns/{id}/budget', { params: { path: { id } }, body: { tokens: tokens ?? null, gpuHours: gpuHours ?? null } }),
  );
  if (opts.json) printJson(io, res);
  else io.stdout(`budget of ${id}: ${res.budget.tokens ?? 'no'} token limit, ${res.budget.gpuHours ?? 'no'} GPU-hour limit`);
  return EXIT.ok;
}

export async function cost([ref]: string[], opts: GlobalOptions & { by?: string }, io: CliIo): Promise<ExitCode> {
  const by = opts.by ?? 'stage';
  if (by !== 'stage' && by !== 'shard') throw new CliError(EXIT.usage, '--by must be stage or shard');
  const api = clientFor(opts, io);
  const id = await resolveCampaign(api, ref!);
  const res = await api.data(api.GET('/v1/campaigns/{id}/cost', { params: { path: { id } } }));
  if (opts.json) {
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
  const rows = by === 'shard' ? res.byShard.map((c) => line(c.shardIndex, c)) : res.byStage.map((c) => line(c.stage, c));
  io.stdout(
    table(
      [
        by,
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

export async function audit([ref]: string[], opts: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const api = clientFor(opts, io);
  const id = await resolveCampaign(api, ref!);
  const res = await api.data(api.GET('/v1/campaigns/{id}/audit', { params: { path: { id } } }));
  if (opts.json) printJson(io, res);
  else
    io.stdout(
      table(
        ['at', 'actor', 'action', 'target', 'after'],
        res.items.map((e) => [e.at, e.actor, e.action, e.target, JSON.stringify(e.after ?? null).slice(0, 100)]),
      ),
    );
  return EXIT.ok;
}
