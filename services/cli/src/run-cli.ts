import { audit, budget, campaignAction, cost, listCampaigns, status, submit } from './campaign-commands.ts';
import type { CliIo } from './cli-context.ts';
import { datasets, runs } from './dataset-run-commands.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { quarantine, retry, shards } from './shard-commands.ts';
import { tokens } from './token-commands.ts';

export const HELP = `rft - the rft-orchestrator command line (talks to the control-plane API)

usage: rft <command> [options]

campaigns
  submit <spec.yaml> <questions.jsonl>   validate locally, then register a campaign
  campaigns                              list campaigns (--status, --team, --name, --sort, --limit)
  status <campaign> [--watch]            progress per stage, throughput, ETA, cost, rejection reasons
  pause | resume | cancel <campaign>     change a campaign's status (--reason)
  budget <campaign> --tokens N --gpu-hours H   set or clear the budget that pauses a campaign
  cost <campaign> [--by stage|shard]     tokens, replica-s, CPU-s, and per accepted sample
  audit <campaign>                       who paused, retried, quarantined... and when
on call
  shards <campaign> [--failed]           shard states, or failed work items with their reasons
  retry <campaign> [--shard N ...]       move failed items back to pending (admitted exactly once)
  quarantine <campaign> <question> --reason TEXT
datasets and training
  datasets list | show <id> | pull <id> <dir>
  runs launch <dataset> --backend B --profile FILE | runs status <run> | runs list | runs cancel <run>
admin
  tokens create --name N --role R [--team T] | tokens list | tokens revoke <id>

global options
  --api-url URL   (env RFT_API_URL, default http://127.0.0.1:8080)
  --token TOKEN   (env RFT_TOKEN)
  --json          machine-readable output

exit codes: 0 ok, 1 failure, 2 usage, 3 invalid input, 4 auth, 5 not found, 6 conflict,
            7 API unreachable, 8 not available, 9 watched campaign failed or cancelled`;

/** Runs one `rft` invocation and returns its exit code; all I/O goes through `io`. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(HELP);
        return command === undefined ? EXIT.usage : EXIT.ok;
      case 'submit':
        return await submit(args, io);
      case 'campaigns':
        return await listCampaigns(args, io);
      case 'status':
        return await status(args, io);
      case 'pause':
      case 'resume':
      case 'cancel':
        return await campaignAction(command, args, io);
      case 'budget':
        return await budget(args, io);
      case 'cost':
        return await cost(args, io);
      case 'audit':
        return await audit(args, io);
      case 'shards':
        return await shards(args, io);
      case 'retry':
        return await retry(args, io);
      case 'quarantine':
        return await quarantine(args, io);
      case 'datasets':
        return await datasets(args, io);
      case 'runs':
        return await runs(args, io);
      case 'tokens':
        return await tokens(args, io);
      default:
        throw new CliError(EXIT.usage, `unknown command ${JSON.stringify(command)}; run "rft help"`);
    }
  } catch (error) {
    if (error instanceof CliError) {
      const wantsJson = args.includes('--json');
      if (wantsJson) io.stderr(JSON.stringify({ error: { message: error.message, problems: error.problems, exitCode: error.exitCode } }));
      else
        io.stderr([`rft: ${error.message}`, ...error.problems.filter((p) => !error.message.includes(p)).map((p) => `  ${p}`)].join('\n'));
      return error.exitCode;
    }
    io.stderr(`rft: unexpected error: ${(error as Error).stack ?? String(error)}`);
    return EXIT.failure;
  }
}
