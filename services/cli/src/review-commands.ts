import { clientFor, intOption, printJson, type CliIo, type GlobalOptions } from './cli-context.ts';
import { readOrUsage } from './campaign-commands.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';
import { resolveDataset } from './resolve-ref.ts';

/** `rft datasets review export DATASET > review.jsonl`: the flagged rows, one JSON line each, decisions empty. */
export async function exportReview([ref]: string[], opts: GlobalOptions & { borderline?: string }, io: CliIo): Promise<ExitCode> {
  const api = clientFor(opts, io);
  const id = await resolveDataset(api, ref!);
  const borderlineFraction = opts.borderline === undefined ? undefined : Number(opts.borderline);
  if (borderlineFraction !== undefined && !(borderlineFraction > 0 && borderlineFraction <= 1))
    throw new CliError(EXIT.usage, `--borderline must be a fraction in (0, 1], got ${opts.borderline}`);
  const res = await api.data(
    api.GET('/v1/datasets/{id}/review', {
      params: { path: { id }, query: borderlineFraction === undefined ? {} : { borderlineFraction } },
    }),
  );
  for (const item of res.items) io.stdout(JSON.stringify(item));
  io.stderr(
    `${res.items.length} rows of ${id} flagged for review; fill in "decision" (keep, drop or edit with "edits": [{"segment": N, "text": ...}])`,
  );
  return EXIT.ok;
}

/** Lines of a review file with a decision (undecided lines are left out); line numbers name problems. */
export function decidedLines(text: string): Array<Record<string, unknown>> {
  const decided: Array<Record<string, unknown>> = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new CliError(EXIT.invalidInput, `line ${i + 1}: not JSON`);
    }
    if (parsed['decision'] === null || parsed['decision'] === undefined) continue;
    decided.push({
      sampleId: parsed['sampleId'],
      decision: parsed['decision'],
      ...(parsed['decision'] === 'edit' ? { edits: parsed['edits'] } : {}),
    });
  }
  return decided;
}

/**
 * `rft datasets review import DATASET FILE --reviewer NAME`: submits the decisions (the API checks
 * them), then waits for the curator to build the reviewed version and prints its id.
 */
export async function importReview(
  [ref, file]: string[],
  opts: GlobalOptions & { reviewer: string; wait?: boolean; timeout?: string },
  io: CliIo,
): Promise<ExitCode> {
  const api = clientFor(opts, io);
  const id = await resolveDataset(api, ref!);
  const decisions = decidedLines(new TextDecoder().decode(await readOrUsage(io, file!, 'review file')));
  if (decisions.length === 0) throw new CliError(EXIT.invalidInput, `${file}: no line has a decision (keep, drop or edit)`);
  let status = await api.data(
    api.POST('/v1/datasets/{id}/review', { params: { path: { id } }, body: { reviewer: opts.reviewer, decisions: decisions as never } }),
  );
  const timeoutS = intOption(opts.timeout ?? '600', 'timeout')!;
  const started = (io.now ?? Date.now)();
  while (opts.wait !== false && status.status === 'pending' && (io.now ?? Date.now)() - started < timeoutS * 1000) {
    await io.sleep(2000);
    status = await api.data(api.GET('/v1/datasets/{id}/review/{reviewId}', { params: { path: { id, reviewId: status.reviewId } } }));
  }
  if (opts.json) printJson(io, status);
  if (status.status === 'failed') throw new CliError(EXIT.failure, status.reason ?? 'the review import failed');
  if (!opts.json) {
    io.stdout(
      status.status === 'built'
        ? `reviewed version ${status.datasetId} (parent ${id}, ${decisions.length} decisions by ${opts.reviewer})`
        : `review ${status.reviewId} submitted; still building. Follow it with: rft datasets review status ${id} ${status.reviewId}`,
    );
  }
  return EXIT.ok;
}

/** `rft datasets review status DATASET REVIEW-ID`: pending, built (with the new version) or failed. */
export async function reviewStatus([ref, reviewId]: string[], opts: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const api = clientFor(opts, io);
  const id = await resolveDataset(api, ref!);
  const status = await api.data(api.GET('/v1/datasets/{id}/review/{reviewId}', { params: { path: { id, reviewId: reviewId! } } }));
  if (opts.json) printJson(io, status);
  else io.stdout(`${status.status}${status.datasetId ? ` ${status.datasetId}` : ''}${status.reason ? `: ${status.reason}` : ''}`);
  return status.status === 'failed' ? EXIT.failure : EXIT.ok;
}
