import { clientFor, printJson, type CliIo, type GlobalOptions } from './cli-context.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';
import { table } from './render.ts';

/** Admin commands for API tokens; a new token's secret is printed once and never again. */

export async function createToken(
  _args: string[],
  opts: GlobalOptions & { name?: string; role?: string; team?: string },
  io: CliIo,
): Promise<ExitCode> {
  const api = clientFor(opts, io);
  // The role is one of commander's choices; the API checks the rest.
  const role = opts.role as 'submitter' | 'operator' | 'launcher' | 'admin';
  const created = await api.data(
    api.POST('/v1/tokens', { body: { name: opts.name ?? '', role, ...(opts.team ? { team: opts.team } : {}) } }),
  );
  if (opts.json) printJson(io, created);
  else
    io.stdout(
      `created ${created.role} token ${created.id}${created.team ? ` for team ${created.team}` : ''}\n${created.token}\n(store it now: it is not shown again)`,
    );
  return EXIT.ok;
}

export async function listTokens(_args: string[], opts: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const api = clientFor(opts, io);
  const res = await api.data(api.GET('/v1/tokens'));
  if (opts.json) printJson(io, res);
  else
    io.stdout(
      table(
        ['id', 'name', 'role', 'team', 'last used', 'revoked'],
        res.items.map((t) => [t.id, t.name, t.role, t.team ?? '', t.last_used_at ?? '', t.revoked_at ?? '']),
      ),
    );
  return EXIT.ok;
}

export async function revokeToken([id]: string[], opts: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const api = clientFor(opts, io);
  const res = await api.data(api.DELETE('/v1/tokens/{id}', { params: { path: { id: id! } } }));
  if (opts.json) printJson(io, res);
  else io.stdout(`revoked token ${id}`);
  return EXIT.ok;
}
