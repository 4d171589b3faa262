import type { ApiClient } from './api-client.ts';
import { CliError, EXIT } from './exit-codes.ts';

/** Something a user may name: its id, its name when it has one, and what to show when several match. */
interface Candidate {
  id: string;
  name?: string | undefined;
  describe: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Pages read when scanning for a name or id prefix; at 1000 per page this covers 20k objects. */
const MAX_PAGES = 20;
const PAGE = 1000;

/**
 * Picks the one object `ref` designates: an exact id wins, then an exact name, then an id prefix.
 * None is a not-found error; several is a usage error that lists them, so the user can pick one.
 */
export function pickOne(kind: string, ref: string, candidates: readonly Candidate[], listCommand: string): string {
  const lower = ref.toLowerCase();
  const tiers = [
    candidates.filter((c) => c.id.toLowerCase() === lower),
    candidates.filter((c) => c.name === ref),
    candidates.filter((c) => c.id.toLowerCase().startsWith(lower)),
  ];
  for (const matches of tiers) {
    if (matches.length === 1) return matches[0]!.id;
    if (matches.length > 1)
      throw new CliError(
        EXIT.usage,
        `"${ref}" matches ${matches.length} ${kind}s; use a longer id prefix:`,
        matches.slice(0, 20).map((c) => c.describe),
      );
  }
  throw new CliError(EXIT.notFound, `no ${kind} has the id, name or id prefix "${ref}" (list them with: ${listCommand})`);
}

/** Every item of a paged list, `fetchPage(limit, offset)` at a time. */
async function scan<T>(fetchPage: (limit: number, offset: number) => Promise<{ items: T[] }>): Promise<T[]> {
  const all: T[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await fetchPage(PAGE, page * PAGE);
    all.push(...res.items);
    if (res.items.length < PAGE) break;
  }
  return all;
}

const short = (id: string) => id.slice(0, 8);

/** A campaign's UUID from its UUID, its name or a short id prefix (as `rft campaigns` prints). */
export async function resolveCampaign(api: ApiClient, ref: string): Promise<string> {
  if (UUID.test(ref)) return ref;
  const items = await scan((limit, offset) =>
    api.data(api.GET('/v1/campaigns', { params: { query: { sort: '-created_at', limit, offset } } })),
  );
  return pickOne(
    'campaign',
    ref,
    items.map((c) => ({ id: c.id, name: c.name, describe: `${short(c.id)}  ${c.name}  ${c.status}  created ${c.createdAt}` })),
    'rft campaigns',
  );
}

/** A dataset version's id from its id, its name (when one version has it) or an id prefix, with or without `ds-`. */
export async function resolveDataset(api: ApiClient, ref: string): Promise<string> {
  const items = await scan((limit, offset) => api.data(api.GET('/v1/datasets', { params: { query: { limit, offset } } })));
  const withPrefix = ref.startsWith('ds-') ? ref : `ds-${ref}`;
  const candidates = items.map((d) => ({
    id: d.id,
    name: d.name,
    describe: `${d.id}  ${d.name}  ${d.rowCount} rows  created ${d.createdAt}`,
  }));
  try {
    return pickOne('dataset', ref, candidates, 'rft datasets list');
  } catch (error) {
    if (error instanceof CliError && error.exitCode === EXIT.notFound && withPrefix !== ref)
      return pickOne('dataset', withPrefix, candidates, 'rft datasets list');
    throw error;
  }
}

/** A training run's UUID from its UUID or a short id prefix. */
export async function resolveRun(api: ApiClient, ref: string): Promise<string> {
  if (UUID.test(ref)) return ref;
  const items = await scan((limit, offset) => api.data(api.GET('/v1/runs', { params: { query: { limit, offset } } })));
  return pickOne(
    'training run',
    ref,
    items.map((r) => ({ id: r.id, describe: `${short(r.id)}  ${r.backend}  ${r.status}  dataset ${r.datasetId}` })),
    'rft runs list',
  );
}
