import { clientFor, parseCommand, positional, printJson, type CliIo } from './cli-context.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';
import { table } from './render.ts';

const TOKENS_USAGE =
  'rft tokens create --name NAME --role submitter|operator|launcher|admin [--team TEAM] | rft tokens list | rft tokens revoke <id>';

/** Admin commands for API tokens; a new token's secret is printed once and never again. */
export async function tokens(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const [sub, ...rest] = args;
  const p = parseCommand(rest, { name: { type: 'string' }, role: { type: 'string' }, team: { type: 'string' } }, TOKENS_USAGE);
  const api = () => clientFor(p.values, io);
  switch (sub) {
    case 'create': {
      if (!p.values.name || !p.values.role) throw new CliError(EXIT.usage, `--name and --role are required\nusage: ${TOKENS_USAGE}`);
      const created = await api().post<{ id: string; token: string; role: string; team: string | null }>('/v1/tokens', {
        name: p.values.name,
        role: p.values.role,
        ...(p.values.team ? { team: p.values.team } : {}),
      });
      if (p.values.json) printJson(io, created);
      else
        io.stdout(
          `created ${created.role} token ${created.id}${created.team ? ` for team ${created.team}` : ''}\n${created.token}\n(store it now: it is not shown again)`,
        );
      return EXIT.ok;
    }
    case 'list': {
      const res = await api().get<{
        items: Array<{
          id: string;
          name: string;
          role: string;
          team: string | null;
          last_used_at: string | null;
          revoked_at: string | null;
        }>;
      }>('/v1/tokens');
      if (p.values.json) printJson(io, res);
      else
        io.stdout(
          table(
            ['id', 'name', 'role', 'team', 'last used', 'revoked'],
            res.items.map((t) => [t.id, t.name, t.role, t.team ?? '', t.last_used_at ?? '', t.revoked_at ?? '']),
          ),
        );
      return EXIT.ok;
    }
    case 'revoke': {
      const id = positional(p, 0, 'id', TOKENS_USAGE);
      const res = await api().delete<{ revoked: boolean }>(`/v1/tokens/${encodeURIComponent(id)}`);
      if (p.values.json) printJson(io, res);
      else io.stdout(`revoked token ${id}`);
      return EXIT.ok;
    }
    default:
      throw new CliError(EXIT.usage, `unknown tokens command ${JSON.stringify(sub ?? '')}\nusage: ${TOKENS_USAGE}`);
  }
}
