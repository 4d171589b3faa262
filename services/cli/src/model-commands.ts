import { clientFor, type CliIo, type GlobalOptions, printJson } from './cli-context.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';
import { table } from './render.ts';

/** Sets a model's endpoints, or registers a base model with its profile (operator). */
export async function registerModel(
  [name]: string[],
  opts: GlobalOptions & { endpoint?: string[]; profile?: string },
  io: CliIo,
): Promise<ExitCode> {
  if (!opts.endpoint?.length) throw new CliError(EXIT.usage, 'models register needs at least one --endpoint <url>');
  const api = clientFor(opts, io);
  const model = await api.data(
    api.POST('/v1/models', { body: { name: name!, endpoints: opts.endpoint, ...(opts.profile ? { profile: opts.profile } : {}) } }),
  );
  if (opts.json) printJson(io, model);
  else io.stdout(`model ${model.name} (${model.profile}) at ${model.endpoints.join(', ')}`);
  return EXIT.ok;
}

export async function listModels(_args: string[], opts: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const api = clientFor(opts, io);
  const { items } = await api.data(api.GET('/v1/models'));
  if (opts.json) printJson(io, items);
  else
    io.stdout(
      table(
        ['name', 'profile', 'lineage', 'endpoints'],
        items.map((m) => [
          m.name,
          m.profile,
          m.lineage.kind === 'base'
            ? 'base'
            : `trained from ${m.lineage.baseModel} by run ${m.lineage.trainingRunId.slice(0, 8)} on dataset ${m.lineage.datasetId}`,
          m.endpoints.join(', ') || '-',
        ]),
      ),
    );
  return EXIT.ok;
}
