import { clientFor, type CliIo, type GlobalOptions, printJson } from './cli-context.ts';
import { readOrUsage } from './campaign-commands.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';
import { table } from './render.ts';

/** Checks a benchmark file locally (every bad line at once), then registers it. */
export async function addBenchmark([name, file]: string[], opts: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const [{ InputError }, { parseBenchmarkFile }] = await Promise.all([import('@rft/contracts'), import('@rft/pipeline')]);
  const content = new TextDecoder().decode(await readOrUsage(io, file!, 'benchmark file'));
  try {
    parseBenchmarkFile(content, file!);
  } catch (error) {
    if (error instanceof InputError) throw new CliError(EXIT.invalidInput, `${error.message.split('\n')[0]}`, error.problems);
    throw error;
  }
  const api = clientFor(opts, io);
  const b = await api.data(api.POST('/v1/benchmarks', { body: { name: name!, content, file: file! } }));
  if (opts.json) printJson(io, b);
  else io.stdout(`benchmark ${b.name}: ${b.problems} problems, stored at ${b.objectKey}`);
  return EXIT.ok;
}

export async function listBenchmarks(_args: string[], opts: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const api = clientFor(opts, io);
  const { items } = await api.data(api.GET('/v1/benchmarks'));
  if (opts.json) printJson(io, items);
  else
    io.stdout(
      table(
        ['name', 'problems', 'sha256', 'added by'],
        items.map((b) => [b.name, b.problems, b.sha256.slice(0, 12), b.createdBy]),
      ),
    );
  return EXIT.ok;
}
