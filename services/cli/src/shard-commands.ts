import { clientFor, intOption, parseCommand, positional, printJson, type CliIo } from './cli-context.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';
import { table } from './render.ts';

interface ShardHealth {
  shardIndex: number;
  state: string;
  items: number;
  byStatus: Record<string, number>;
  maxAttempts: number;
  retries: number;
  failed: number;
  lastError: string | null;
}

interface Failures {
  total: number;
  items: Array<{ questionId: string; stage: string; shardIndex: number; attempts: number; error: string | null }>;
  reasons: Array<{ reason: string; count: number }>;
}

const firstLine = (s: string | null, max = 80) => {
  const line = (s ?? '').split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
};

const SHARDS_USAGE = 'rft shards <campaign> [--failed] [--shard N] [--limit N] [--json]';

/** Shards with their state; `--failed` lists the failed work items with their reasons instead. */
export async function shards(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const p = parseCommand(
    args,
    { failed: { type: 'boolean', default: false }, shard: { type: 'string', multiple: true }, limit: { type: 'string', default: '200' } },
    SHARDS_USAGE,
  );
  const id = encodeURIComponent(positional(p, 0, 'campaign', SHARDS_USAGE));
  const api = clientFor(p.values, io);
  const limit = intOption(p.values.limit, 'limit')!;
  if (p.values.failed) {
    const qs = new URLSearchParams({ limit: String(limit) });
    if (p.values.shard?.length) qs.set('shard', p.values.shard.map((s) => String(intOption(s, 'shard'))).join(','));
    const failures = await api.get<Failures>(`/v1/campaigns/${id}/failures?${qs}`);
    if (p.values.json) {
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
      `retry them with: rft retry ${decodeURIComponent(id)}${p.values.shard?.length ? p.values.shard.map((s) => ` --shard ${s}`).join('') : ''}`,
    ];
    io.stdout(out.join('\n'));
    return EXIT.ok;
  }
  const page = await api.get<{ total: number; items: ShardHealth[] }>(`/v1/campaigns/${id}/shards?limit=${limit}`);
  if (p.values.json) printJson(io, page);
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

const RETRY_USAGE = 'rft retry <campaign> [--shard N ...] [--json]';

/** Moves failed work items (of the given shards, or all) back to pending; the scheduler re-admits them. */
export async function retry(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const p = parseCommand(args, { shard: { type: 'string', multiple: true } }, RETRY_USAGE);
  const id = positional(p, 0, 'campaign', RETRY_USAGE);
  const shardList = p.values.shard?.map((s) => intOption(s, 'shard')!);
  const res = await clientFor(p.values, io).post<{ retried: number; shards: Array<{ shardIndex: number; items: number }> }>(
    `/v1/campaigns/${encodeURIComponent(id)}/retry`,
    shardList?.length ? { shards: shardList } : {},
  );
  if (p.values.json) printJson(io, res);
  else if (res.retried === 0) io.stdout('nothing to retry: no failed work items in the selected shards');
  else
    io.stdout(
      `moved ${res.retried} failed work items back to pending in shards ${res.shards.map((s) => s.shardIndex).join(', ')}; the scheduler re-admits them on its next tick`,
    );
  return EXIT.ok;
}

const QUARANTINE_USAGE = 'rft quarantine <campaign> <question-id> --reason TEXT [--json]';

export async function quarantine(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const p = parseCommand(args, { reason: { type: 'string' } }, QUARANTINE_USAGE);
  const id = positional(p, 0, 'campaign', QUARANTINE_USAGE);
  const question = positional(p, 1, 'question-id', QUARANTINE_USAGE);
  if (!p.values.reason) throw new CliError(EXIT.usage, `--reason is required: say why the question is poison\nusage: ${QUARANTINE_USAGE}`);
  const res = await clientFor(p.values, io).post<{ stagesQuarantined: string[] }>(
    `/v1/campaigns/${encodeURIComponent(id)}/questions/${encodeURIComponent(question)}/quarantine`,
    { reason: p.values.reason },
  );
  if (p.values.json) printJson(io, res);
  else
    io.stdout(
      `quarantined question ${question} (${res.stagesQuarantined.length ? `stages ${res.stagesQuarantined.join(', ')}` : 'all its stages were already graded'})`,
    );
  return EXIT.ok;
}
