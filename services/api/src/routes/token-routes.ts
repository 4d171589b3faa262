import { CreateTokenRequest } from '@rft/contracts';
import { createApiToken, listApiTokens, recordAudit, revokeApiToken } from '@rft/db';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.ts';
import { notFound } from '../api-errors.ts';
import { actorOf } from '../auth.ts';
import type { RouteRegistry } from '../route-registry.ts';
import { TokenCreated, TokenList, TokenRevoked } from '../response-schemas.ts';

export function registerTokenRoutes(routes: RouteRegistry, deps: ApiDeps): void {
  const { db } = deps;

  routes.add({
    method: 'POST',
    url: '/v1/tokens',
    operationId: 'createToken',
    response: TokenCreated,
    summary: 'Create an API token (the secret is shown once; only its sha256 is stored)',
    tag: 'tokens',
    roles: [],
    body: CreateTokenRequest,
    status: 201,
    async handler({ principal, body }) {
      const created = await createApiToken(db, {
        name: body.name,
        role: body.role,
        team: body.team ?? null,
        createdBy: actorOf(principal),
      });
      await recordAudit(db, {
        actor: actorOf(principal),
        action: 'token.create',
        targetType: 'api_token',
        targetId: created.id,
        before: null,
        after: { name: body.name, role: body.role, team: body.team ?? null },
      });
      return { id: created.id, token: created.token, name: body.name, role: body.role, team: body.team ?? null };
    },
  });

  routes.add({
    method: 'GET',
    url: '/v1/tokens',
    operationId: 'listTokens',
    response: TokenList,
    summary: 'API tokens (never their secrets)',
    tag: 'tokens',
    roles: [],
    handler: async () => ({ items: await listApiTokens(db) }),
  });

  routes.add({
    method: 'DELETE',
    url: '/v1/tokens/:id',
    operationId: 'revokeToken',
    response: TokenRevoked,
    summary: 'Revoke an API token',
    tag: 'tokens',
    roles: [],
    params: z.object({ id: z.uuid() }),
    async handler({ principal, params }) {
      if (!(await revokeApiToken(db, params.id))) throw notFound('active token', params.id);
      await recordAudit(db, {
        actor: actorOf(principal),
        action: 'token.revoke',
        targetType: 'api_token',
        targetId: params.id,
        before: { revoked: false },
        after: { revoked: true },
      });
      return { id: params.id, revoked: true };
    },
  });
}
