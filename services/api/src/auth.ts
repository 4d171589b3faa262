import type { ApiRole } from '@rft/contracts';
import { authenticateApiToken, type ApiPrincipal, type Db } from '@rft/db';
import { ApiError } from './api-errors.ts';

export type { ApiPrincipal };

/** The token a request presents: `Authorization: Bearer <token>`, or the `rft_token` cookie (browser pages). */
export function presentedToken(headers: Record<string, string | string[] | undefined>): string | null {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return match?.[1] ?? null;
  }
  const cookie = headers.cookie;
  if (typeof cookie === 'string') {
    for (const part of cookie.split(';')) {
      const [name, ...value] = part.trim().split('=');
      if (name === 'rft_token' && value.length) return decodeURIComponent(value.join('='));
    }
  }
  return null;
}

export async function authenticate(db: Db, headers: Record<string, string | string[] | undefined>): Promise<ApiPrincipal> {
  const token = presentedToken(headers);
  if (!token)
    throw new ApiError(
      'unauthenticated',
      'headers.authorization: missing API token: send "Authorization: Bearer <token>" (the CLI reads RFT_TOKEN)',
    );
  const principal = await authenticateApiToken(db, token);
  if (!principal) throw new ApiError('unauthenticated', 'headers.authorization: unknown or revoked API token: ask an admin for a new one');
  return principal;
}

/** Admins may do everything; everyone else needs one of the route's roles. */
export function authorize(principal: ApiPrincipal, roles: readonly ApiRole[]): void {
  if (principal.role === 'admin' || roles.includes(principal.role)) return;
  const needs = ['admin', ...roles].join(', ');
  throw new ApiError('forbidden', `role "${principal.role}" may not do this; it needs one of: ${needs}`, [
    `role: "${principal.role}" may not do this; it needs one of: ${needs}`,
  ]);
}

/** Submitters see and act on their own team's campaigns (and pipelines) only. */
export function assertTeamAccess(principal: ApiPrincipal, team: string, what: 'campaign' | 'pipeline' = 'campaign'): void {
  if (principal.role !== 'submitter') return;
  if (principal.team !== team)
    throw new ApiError('forbidden', `this ${what} belongs to another team; your token acts for team "${principal.team}"`, [
      `team: this ${what} belongs to another team; your token acts for team "${principal.team}"`,
    ]);
}

/** The audit actor: the token's name and id. */
export const actorOf = (principal: ApiPrincipal) => `${principal.name} (${principal.role}, token ${principal.tokenId})`;
