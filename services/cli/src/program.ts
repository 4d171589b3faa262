import { readFileSync } from 'node:fs';
import { Argument, Command, Option } from 'commander';
import type { CliIo, GlobalOptions } from './cli-context.ts';
import type { ExitCode } from './exit-codes.ts';

/**
 * The `rft` command tree. It imports only commander: each action loads its command module when it
 * runs, so `rft status` never pays for the spec parser or the Parquet reader.
 */
type Handler<O> = (args: string[], opts: O & GlobalOptions, io: CliIo) => Promise<ExitCode>;

const campaignCommands = () => import('./campaign-commands.ts');
const shardCommands = () => import('./shard-commands.ts');
const datasetCommands = () => import('./dataset-commands.ts');
const runCommands = () => import('./run-commands.ts');
const tokenCommands = () => import('./token-commands.ts');
const pipelineCommands = () => import('./pipeline-commands.ts');
const reviewCommands = () => import('./review-commands.ts');
const modelCommands = () => import('./model-commands.ts');
const benchmarkCommands = () => import('./benchmark-commands.ts');

const collect = (value: string, previous: string[] = []) => [...previous, value];

export const CLI_VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

export const EXIT_CODES_HELP = `
Refer to a campaign by its id, its name or a short id prefix (as "rft campaigns" prints);
datasets and training runs likewise.

Environment: RFT_API_URL (default http://127.0.0.1:8080), RFT_TOKEN.
Exit codes: 0 ok, 1 failure (or a retry that matched nothing), 2 usage or ambiguous name,
  3 invalid input, 4 auth, 5 not found, 6 conflict, 7 API unreachable, 8 not available;
  status --watch: 9 completed with failures, 10 failed, 11 cancelled.`;

/** Builds the program; `done` receives the exit code of the action that ran. */
export function buildProgram(io: CliIo, done: (code: ExitCode) => void): Command {
  const program = new Command('rft')
    .description('rft-orchestrator command line: campaigns, on-call, datasets and training runs, over the control-plane API')
    .version(CLI_VERSION, '-V, --version', 'print the version')
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError(true)
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text.replace(/\n$/, '')),
      writeErr: (text) => io.stderr(text.replace(/\n$/, '')),
      outputError: (text, write) => write(text.replace(/^error: /, 'rft: ')),
    });

  /** A leaf command with the global options and an action that loads its module lazily. */
  const leaf = <O>(parent: Command, spec: string, description: string, run: () => Promise<Handler<O>>) => {
    const cmd = parent
      .command(spec)
      .description(description)
      .option('--api-url <url>', 'control-plane API (env RFT_API_URL)')
      .option('--token <token>', 'API token (env RFT_TOKEN)')
      .option('--json', 'machine-readable output');
    cmd.action(async (...received: unknown[]) => {
      const command = received.at(-1) as Command;
      const handler = await run();
      done(await handler(command.args.slice(0, command.registeredArguments.length), command.opts() as O & GlobalOptions, io));
    });
    return cmd;
  };

  leaf(program, 'submit <spec.yaml> <questions.jsonl>', 'validate a spec and its questions locally, then register the campaign', () =>
    campaignCommands().then((m) => m.submit),
  )
    .option('--budget-tokens <n>', 'pause the campaign after this many tokens')
    .option('--budget-gpu-hours <h>', 'pause the campaign after this many GPU-hours')
    .option('--upload', 'send the questions zstd-compressed through a presigned PUT (automatic over 64 MiB)')
    .option('--dry-run', 'validate only; send nothing');
  leaf(program, 'campaigns', 'list campaigns', () => campaignCommands().then((m) => m.listCampaigns))
    .option('--status <list>', 'comma-separated statuses, e.g. running,paused')
    .option('--team <team>', 'only this team')
    .option('--name <substring>', 'names containing this')
    .option('--sort <field>', 'sort field, "-" for descending', '-created_at')
    .option('--limit <n>', 'at most this many', '50');
  leaf(program, 'status <campaign>', 'progress per stage, throughput, ETA, cost and rejection reasons', () =>
    campaignCommands().then((m) => m.status),
  )
    .option('--watch', 'redraw until the campaign ends; the exit code says how it ended')
    .option('--interval <seconds>', 'seconds between redraws', '5');
  for (const action of ['pause', 'resume', 'cancel'] as const)
    leaf<{ reason?: string }>(program, `${action} <campaign>`, `${action} a campaign`, () =>
      campaignCommands().then((m) => (args, opts, cliIo) => m.campaignAction(action, args, opts, cliIo)),
    ).option('--reason <text>', 'recorded in the audit log');
  leaf(program, 'budget <campaign>', 'set or clear (omit both) the budget that pauses a campaign', () =>
    campaignCommands().then((m) => m.budget),
  )
    .option('--tokens <n>', 'token limit')
    .option('--gpu-hours <h>', 'GPU-hour limit');
  leaf(program, 'cost <campaign>', 'tokens, replica-s and CPU-s per stage or shard, and per accepted sample', () =>
    campaignCommands().then((m) => m.cost),
  ).addOption(new Option('--by <what>', 'group by').choices(['stage', 'shard']).default('stage'));
  leaf(program, 'audit <campaign>', 'who paused, retried, quarantined... and when', () => campaignCommands().then((m) => m.audit));

  leaf(program, 'shards <campaign>', 'shard states, or (--failed) failed work items with their reasons', () =>
    shardCommands().then((m) => m.shards),
  )
    .option('--failed', 'list failed work items and their reasons')
    .option('--shard <n>', 'only this shard (repeatable)', collect)
    .option('--limit <n>', 'at most this many rows', '200');
  leaf(program, 'retry <campaign>', 'move failed work items back to pending (admitted exactly once)', () =>
    shardCommands().then((m) => m.retry),
  ).option('--shard <n>', 'only this shard (repeatable)', collect);
  leaf(program, 'quarantine <campaign> <question-id>', 'never sample or select a poison question again', () =>
    shardCommands().then((m) => m.quarantine),
  ).requiredOption('--reason <text>', 'why the question is poison');

  const datasets = program.command('datasets').description('dataset versions: list, show, pull');
  leaf(datasets, 'list', 'dataset versions, newest first', () => datasetCommands().then((m) => m.listDatasets))
    .option('--campaign <campaign>', 'only those of this campaign (id, name or id prefix)')
    .option('--limit <n>', 'at most this many', '50');
  leaf(datasets, 'show <dataset>', 'a dataset version and its manifest', () => datasetCommands().then((m) => m.showDataset));
  leaf(datasets, 'pull <dataset> <dir>', 'download one export, every file checked against the manifest', () =>
    datasetCommands().then((m) => m.pullCommand),
  ).option('--format <format>', 'parquet, jsonl, trl, axolotl or llama-factory', 'parquet');
  const review = datasets.command('review').description('review flagged rows by hand: export, import decisions, status');
  leaf(review, 'export <dataset>', 'flagged rows as JSON lines with an empty decision', () =>
    reviewCommands().then((m) => m.exportReview),
  ).option('--borderline <fraction>', 'flag repetition scores at this fraction of the rejection limit', '0.75');
  leaf(review, 'import <dataset> <file>', 'apply keep/drop/edit decisions: a new dataset version', () =>
    reviewCommands().then((m) => m.importReview),
  )
    .requiredOption('--reviewer <name>', 'who decided (recorded in the audit trail and the manifest)')
    .option('--no-wait', 'return once submitted')
    .option('--timeout <seconds>', 'how long to wait for the new version', '600');
  leaf(review, 'status <dataset> <review-id>', 'what became of a submitted review', () => reviewCommands().then((m) => m.reviewStatus));

  const runs = program.command('runs').description('training runs: launch, status, list, cancel');
  leaf(runs, 'launch <dataset>', 'launch a training run from a dataset version', () => runCommands().then((m) => m.launchRun))
    .addOption(new Option('--backend <backend>', 'where it runs').choices(['slurm', 'kubernetes', 'bundle']).makeOptionMandatory())
    .requiredOption('--profile <file>', 'hardware profile (YAML or JSON)')
    .option('--config <file>', 'training config overrides (YAML or JSON)');
  leaf(runs, 'status <run>', "a run's status and history", () => runCommands().then((m) => m.runStatus));
  leaf(runs, 'list', 'training runs, newest first', () => runCommands().then((m) => m.listRuns)).option(
    '--dataset <dataset>',
    'only runs of this dataset version',
  );
  leaf(runs, 'cancel <run>', 'ask the launcher to cancel a run', () => runCommands().then((m) => m.cancelRun));

  const pipelines = program.command('pipelines').description('pipelines of campaigns, selection, training, serving and evaluation');
  leaf(pipelines, 'validate <pipeline.yaml>', 'check a pipeline spec whole (keys, references, cycles) and print its run order', () =>
    pipelineCommands().then((m) => m.validatePipeline),
  );
  leaf(pipelines, 'submit <pipeline.yaml>', 'validate a pipeline and every file it names locally, then submit them', () =>
    pipelineCommands().then((m) => m.submitPipeline),
  ).option('--dry-run', 'validate only; send nothing');
  leaf(pipelines, 'list', 'pipelines, newest first, steps counted per status', () =>
    pipelineCommands().then((m) => m.listPipelines),
  ).option('--name <name>', 'only pipelines with this name');
  leaf(pipelines, 'status <pipeline>', 'each step in run order: state, reason, output, what holds it, the next command', () =>
    pipelineCommands().then((m) => m.pipelineStatus),
  );
  leaf(pipelines, 'retry-step <pipeline> <step>', 'run a failed or partial step again (operator)', () =>
    pipelineCommands().then((m) => m.retryStep),
  ).option('--reason <text>', 'why (recorded with the step event)');
  leaf(pipelines, 'accept-step <pipeline> <step>', 'accept a failed or partial step as it is, so later steps run (operator)', () =>
    pipelineCommands().then((m) => m.acceptStep),
  ).option('--reason <text>', 'why the step is good enough (required)');
  leaf(pipelines, 'report <pipeline>', 'evaluation results: models x benchmarks, pass@1, pass@k, maj@k with intervals', () =>
    pipelineCommands().then((m) => m.pipelineReport),
  ).option('--metric <name>', 'only this metric, e.g. pass@1');

  const models = program.command('models').description('models: base models and trained checkpoints, their endpoints and lineage');
  leaf(models, 'register <name>', "set a model's endpoints, or register a base model with --profile (operator)", () =>
    modelCommands().then((m) => m.registerModel),
  )
    .option('--endpoint <url>', 'an OpenAI-compatible base URL (repeat for replicas)', collect)
    .option('--profile <profile>', 'model profile, to register a base model');
  leaf(models, 'list', 'models with lineage and endpoints', () => modelCommands().then((m) => m.listModels));

  const benchmarks = program.command('benchmarks').description('held-out benchmarks for evaluation and decontamination');
  leaf(benchmarks, 'add <name> <file.jsonl>', 'check a benchmark file and register it (operator)', () =>
    benchmarkCommands().then((m) => m.addBenchmark),
  );
  leaf(benchmarks, 'list', 'registered benchmarks', () => benchmarkCommands().then((m) => m.listBenchmarks));

  const tokens = program.command('tokens').description('API tokens (admin)');
  leaf(tokens, 'create', 'create a token; its secret is printed once', () => tokenCommands().then((m) => m.createToken))
    .requiredOption('--name <name>', 'what the token is for')
    .addOption(new Option('--role <role>', 'its role').choices(['submitter', 'operator', 'launcher', 'admin']).makeOptionMandatory())
    .option('--team <team>', 'required for submitters');
  leaf(tokens, 'list', 'tokens (never their secrets)', () => tokenCommands().then((m) => m.listTokens));
  leaf(tokens, 'revoke <id>', 'revoke a token', () => tokenCommands().then((m) => m.revokeToken));

  program
    .command('completion')
    .description('print a shell completion script: eval "$(rft completion bash)", or zsh / fish')
    .addArgument(new Argument('[shell]', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']).default('bash'))
    .action(async (shell: 'bash' | 'zsh' | 'fish') => {
      const { completionScript } = await import('./completion.ts');
      io.stdout(completionScript(program, shell));
      done(0);
    });
  return program;
}
