import { clientFor, intOption, printJson, type CliIo, type GlobalOptions } from './cli-context.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';
import { table } from './render.ts';
import { resolveCampaign } from './resolve-ref.ts';

const firstLine = (s: string | null, max = 80) => {
  const line = (s ?? '').split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
};

/** Shards with their state; `--failed` lists the failed work items with their reasons instead. */
export async function shards(
  [ref]: string[],
  opts: GlobalOptions & { failed?: boolean; shard?: string[]; limit?: string },
  io: CliIo,
): Promise<ExitCode> {
  const api = clientFor(opts, io);
  const campaignId = await resolveCampaign(api, ref!);
  const path = { id: campaignId };
  const limit = intOption(opts.limit ?? '200', 'limit')!;
  if (opts.failed) {
    const shard = opts.shard?.map((s) => intOption(s, 'shard')!);
    const failures = await api.data(
      api.GET('/v1/campaigns/{id}/failures', { params: { path, query: { limit, ...(shard?.length ? { shard } : {}) } } }),
    );
    if (opts.json) {
      printJson(io, failures);
      return EXIT.ok;
    }
    if (failures.total === 0) {
      io.stdout('no failed work items');
      return EXIT.ok;
    }
    const out = [
      table(
        ['shard', 'question', 'stage', 'attempts', 'reason'],
        failures.items.map((f) => [f.shardIndex, f.questionId, f.stage, f.attempts, firstLine(f.error)]),
      ),
      `${failures.items.length} of ${failures.total} failed items`,
      '',
      table(
        ['reason', 'items'],
        failures.reasons.map((r) => [firstLine(r.reason, 100), r.count]),
      ),
      '',
      `retry them with: rft retry ${ref}${opts.shard?.length ? opts.shard.map((s) => ` --shard ${s}`).join('') : ''}`,
    ];
    io.stdout(out.join('\n'));
    return EXIT.ok;
  }
  const page = await api.data(api.GET('/v1/campaigns/{id}/shards', { params: { path, query: { limit } } }));
  if (opts.json) printJson(io, page);
  else {
    io.stdout(
      table(
        ['shard', 'state', 'items', 'graded', 'failed', 'in flight', 'max attempts', 'retries', 'last error'],
        page.items.map((s) => [
          s.shardIndex,
          s.state,
          s.items,
          s.byStatus.graded ?? 0,
          s.failed,
          (s.byStatus.queued ?? 0) + (s.byStatus.running ?? 0) + (s.byStatus.generated ?? 0),
          s.maxAttempts,
          s.retries,
          firstLine(s.lastError, 60),
        ]),
      ),
    );
  }
  return EXIT.ok;
}

/**
 * Moves failed work items (of the given shards, or all) back to pending; the scheduler re-admits
 * them. A shard that does not exist, or nothing to retry, is a failure: a script must not believe
 * it retried something.
 */
export async function retry([ref]: string[], opts: GlobalOptions & { shard?: string[] }, io: CliIo): Promise<ExitCode> {
  const api = clientFor(opts, io);
  const id = await resolveCampaign(api, ref!);
  const shardList = opts.shard?.map((s) => intOption(s, 'shard')!);
  if (shardList?.length) {
    const known = await api.data(api.GET('/v1/campaigns/{id}/shards', { params: { path: { id }, query: { limit: 1000 } } }));
    const indexes = new Set(known.items.map((s) => s.shardIndex));
    const unknown = shardList.filter((s) => !indexes.has(s));
    if (unknown.length && known.total <= known.items.length)
      throw new CliError(
        EXIT.notFound,
        `campaign ${ref} has no shard ${unknown.join(', ')} (its shards are 0-${Math.max(-1, ...indexes)}; see rft shards ${ref})`,
      );
  }
  const res = await api.data(
    api.POST('/v1/campaigns/{id}/retry', { params: { path: { id } }, body: shardList?.length ? { shards: shardList } : {} }),
  );
  if (opts.json) printJson(io, res);
  if (res.retried === 0)
    throw new CliError(
      EXIT.failure,
      `nothing to retry: no failed work items in ${shardList?.length ? `shard ${shardList.join(', ')}` : 'any shard'} of campaign ${ref}`,
    );
  if (!opts.json)
    io.stdout(
      `moved ${res.retried} failed work items back to pending in shards ${res.shards.map((s) => s.shardIndex).join(', ')}; the scheduler re-admits them on its next tick`,
    );
  return EXIT.ok;
}

export async function quarantine([ref, question]: string[], opts: GlobalOptions & { reason?: string }, io: CliIo): Promise<ExitCode> {
  if (!opts.reason) throw new CliError(EXIT.usage, '--reason is required: say why the question is poison');
  const api = clientFor(opts, io);
  const id = await resolveCampaign(api, ref!);
  const res = await api.data(
    api.POST('/v1/campaigns/{id}/questions/{questionId}/quarantine', {
      params: { path: { id, questionId: question! } },
      body: { reason: opts.reason },
    }),
  );
  if (opts.json) printJson(io, res);
  else
    io.stdout(
      `quarantined question ${question} (${res.stagesQuarantined.length ? `stages ${res.stagesQuarantined.join(', ')}` : 'all its stages were already graded'})`,
    );
  return EXIT.ok;
}
