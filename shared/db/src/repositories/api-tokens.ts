import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { DbOrTx } from '../create-db.ts';
import type { ApiRole } from '@rft/contracts';

export interface ApiPrincipal {
  tokenId: string;
  name: string;
  role: ApiRole;
  team: string | null;
}

/** Tokens are 32 random bytes, shown once; only their sha256 is stored. */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function generateApiToken(): string {
  return `rft_${randomBytes(32).toString('base64url')}`;
}

/** Creates a token and returns its secret (the only time it is visible). */
export async function createApiToken(
  db: DbOrTx,
  input: { name: string; role: ApiRole; team: string | null; createdBy: string; token?: string },
): Promise<{ id: string; token: string }> {
  const token = input.token ?? generateApiToken();
  const { id } = await db
    .insertInto('api_tokens')
    .values({ name: input.name, role: input.role, team: input.team, created_by: input.createdBy, token_sha256: hashApiToken(token) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id, token };
}

/** Inserts a known token (the bootstrap admin token from the deployment's secret) unless present. */
export async function ensureApiToken(
  db: DbOrTx,
  input: { name: string; role: ApiRole; team: string | null; token: string },
): Promise<void> {
  await db
    .insertInto('api_tokens')
    .values({ name: input.name, role: input.role, team: input.team, created_by: 'bootstrap', token_sha256: hashApiToken(input.token) })
    .onConflict((oc) => oc.column('token_sha256').doNothing())
    .execute();
}

/**
 * The principal a presented token authenticates, or null (unknown or revoked). `last_used_at` is
 * refreshed at most once a minute, so a dashboard polling with one token does not write per request.
 */
export async function authenticateApiToken(db: DbOrTx, token: string): Promise<ApiPrincipal | null> {
  const row = await db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'role', 'team', sql<boolean>`last_used_at IS NULL OR last_used_at < now() - interval '1 minute'`.as('stale')])
    .where('token_sha256', '=', hashApiToken(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  if (row.stale) await db.updateTable('api_tokens').set({ last_used_at: sql`now()` }).where('id', '=', row.id).execute();
  return { tokenId: row.id, name: row.name, role: row.role, team: row.team };
}

export async function listApiTokens(db: DbOrTx) {
  return db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'role', 'team', 'created_by', 'created_at', 'last_used_at', 'revoked_at'])
    .orderBy('created_at')
    .execute();
}

export async function revokeApiToken(db: DbOrTx, id: string): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: sql`now()` })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
