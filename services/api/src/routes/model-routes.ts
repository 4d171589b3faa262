import { endpointProblems } from '@rft/contracts';
import { getModel, listModels, recordAudit, registerModel, setModelEndpoints } from '@rft/db';
import { z } from 'zod';
import { DEFAULT_API_OPTIONS, type ApiDeps } from '../api-deps.ts';
import { ApiError } from '../api-errors.ts';
import { actorOf } from '../auth.ts';
import type { RouteRegistry } from '../route-registry.ts';
import { ModelResponse } from '../response-schemas.ts';

const ModelName = z.string().min(1).max(200);

export function registerModelRoutes(routes: RouteRegistry, deps: ApiDeps): void {
  const { db } = deps;
  const endpointAllowlist = deps.options?.endpointAllowlist ?? DEFAULT_API_OPTIONS.endpointAllowlist;

  routes.add({
    method: 'GET',
    url: '/v1/models',
    operationId: 'listModels',
    response: z.object({ items: z.array(ModelResponse) }),
    summary: 'Registered models with their endpoints and lineage (base, or trained from a run on a dataset)',
    tag: 'pipelines',
    roles: ['submitter', 'operator'],
    async handler() {
      return { items: await listModels(db) };
    },
  });

  routes.add({
    method: 'POST',
    url: '/v1/models',
    operationId: 'registerModel',
    response: ModelResponse,
    summary: "Set a registered model's endpoints (e.g. a trained model served externally), or register a base model with its profile",
    tag: 'pipelines',
    roles: ['operator'],
    body: z
      .object({
        name: ModelName,
        endpoints: z.array(z.string().min(1)).min(1).max(256),
        /** Required to register a new (base) model; must match when given for an existing one. */
        profile: z.string().min(1).max(200).optional(),
      })
      .strict(),
    async handler({ principal, body }) {
      const refused = endpointProblems(body.endpoints, endpointAllowlist, 'body.endpoints');
      if (refused.length) throw new ApiError('invalid_request', refused.join('; '), refused);
      const actor = actorOf(principal);
      const at = new Date();
      const existing = await getModel(db, body.name);
      if (existing) {
        if (body.profile !== undefined && body.profile !== existing.profile) {
          throw new ApiError(
            'conflict',
            `body.profile: model ${body.name} is registered with profile ${existing.profile}; a model's profile does not change`,
          );
        }
        const row = (await setModelEndpoints(db, body.name, body.endpoints, at))!;
        await recordAudit(db, {
          actor,
          action: 'model.endpoints',
          targetType: 'model',
          targetId: body.name,
          before: { endpoints: existing.endpoints },
          after: { endpoints: body.endpoints },
        });
        return row;
      }
      if (body.profile === undefined) {
        throw new ApiError(
          'invalid_request',
          `body.profile: model ${body.name} is not registered; give its profile to register it as a base model`,
        );
      }
      const row = await registerModel(db, {
        name: body.name,
        profile: body.profile,
        endpoints: body.endpoints,
        lineage: { kind: 'base' },
        createdBy: actor,
        at,
      });
      await recordAudit(db, {
        actor,
        action: 'model.register',
        targetType: 'model',
        targetId: body.name,
        after: { profile: body.profile, endpoints: body.endpoints },
      });
      return row;
    },
  });
}
