import { type CliIo, type GlobalOptions, printJson } from './cli-context.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';
import { readOrUsage } from './campaign-commands.ts';

/**
 * Checks a pipeline spec whole, locally, before anything runs: its shape (unknown keys refused), every
 * reference between steps, models and benchmarks, and cycles. Prints the steps in the order they can run.
 */
export async function validatePipeline([specPath]: string[], opts: GlobalOptions, io: CliIo): Promise<ExitCode> {
  // Loaded here, not at the top: only this command needs the pipeline parser.
  const [{ InputError }, { parsePipelineSpec }] = await Promise.all([import('@rft/contracts'), import('@rft/pipeline')]);
  if (!specPath) throw new CliError(EXIT.usage, 'pipelines validate needs <pipeline.yaml>');
  const text = new TextDecoder().decode(await readOrUsage(io, specPath, 'pipeline spec'));
  let validated: ReturnType<typeof parsePipelineSpec>;
  try {
    validated = parsePipelineSpec(text, specPath);
  } catch (error) {
    if (error instanceof InputError) throw new CliError(EXIT.invalidInput, `${error.message.split('\n')[0]}`, error.problems);
    throw error;
  }
  const { spec, order } = validated;
  const steps = order.map((name) => ({ name, kind: spec.steps[name]!.kind }));
  if (opts.json) printJson(io, { valid: true, name: spec.name, steps });
  else {
    io.stdout(`valid: pipeline "${spec.name}" with ${steps.length} steps, in the order they can run:`);
    for (const [i, s] of steps.entries()) io.stdout(`  ${String(i + 1).padStart(2)}. ${s.name} (${s.kind})`);
  }
  return EXIT.ok;
}
