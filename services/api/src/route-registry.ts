import { illFormedTextProblems, type ApiRole } from '@rft/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ApiError } from './api-errors.ts';
import { authenticate, authorize, type ApiPrincipal } from './auth.ts';
import type { Db } from '@rft/db';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteContext<P, Q, B> {
  principal: ApiPrincipal;
  params: P;
  query: Q;
  body: B;
  req: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  url: string;
  /** Unique, camelCase: the method name generated clients give this operation. */
  operationId: string;
  summary: string;
  tag: string;
  /** The JSON a successful answer carries; documented, and checked in tests (see `validateResponses`). */
  response: z.ZodType;
  /** Roles allowed besides admin. */
  roles: readonly ApiRole[];
  params?: P;
  query?: Q;
  body?: B;
  /** HTTP status of a successful answer. @defaultValue 200 */
  status?: number;
  /** Largest body this route reads, when it needs more than the app's limit (inline question files). */
  bodyLimit?: number;
  handler(ctx: RouteContext<z.infer<P>, z.infer<Q>, z.infer<B>>): Promise<unknown>;
}

interface Documented {
  method: Method;
  url: string;
  operationId: string;
  response: z.ZodType;
  summary: string;
  tag: string;
  roles: readonly ApiRole[];
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  status: number;
}

function parseOr400<S extends z.ZodType>(schema: S | undefined, value: unknown, where: 'params' | 'query' | 'body'): z.infer<S> {
  if (!schema) return undefined as z.infer<S>;
  // Text Postgres cannot store (NUL, lone surrogates) would fail deep in a query as a 500.
  const illFormed = illFormedTextProblems(value, where);
  if (illFormed.length) throw new ApiError('invalid_request', illFormed.join('; '), illFormed);
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${[where, ...issue.path.map(String)].join('.')}: ${issue.message}`);
  throw new ApiError('invalid_request', problems.join('; '), problems);
}

const toJsonSchema = (schema: z.ZodType, io: 'input' | 'output' = 'input') => {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return json;
};

/**
 * Checks an answer, as the client will receive it (JSON), against the route's response schema; a
 * mismatch is a server bug, reported as a 500 that names the route and the fields.
 */
function assertResponse(spec: { method: string; url: string; response: z.ZodType }, result: unknown): void {
  const checked = spec.response.safeParse(result === undefined ? undefined : JSON.parse(JSON.stringify(result)));
  if (checked.success) return;
  const problems = checked.error.issues.map((issue) => `${['response', ...issue.path.map(String)].join('.')}: ${issue.message}`);
  throw new ApiError('internal', `${spec.method} ${spec.url} answered outside its response schema: ${problems.join('; ')}`, problems);
}

export interface RouteRegistryOptions {
  /** Check every successful answer against its response schema (tests). @defaultValue false */
  validateResponses?: boolean;
}

/**
 * Registers authenticated, validated routes and remembers them for the OpenAPI document. Every route
 * answers 401 without a valid token and 403 for a wrong role in `onRequest`, before a byte of its
 * body is read (an anonymous client cannot make the API buffer or parse anything); bad input is a
 * 400 naming each field.
 */
export function createRouteRegistry(app: FastifyInstance, db: Db, options: RouteRegistryOptions = {}) {
  const documented: Documented[] = [];
  const principals = new WeakMap<FastifyRequest, ApiPrincipal>();
  return {
    add<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(spec: RouteSpec<P, Q, B>): void {
      if (documented.some((d) => d.operationId === spec.operationId)) throw new Error(`operationId ${spec.operationId} is used twice`);
      documented.push({ ...spec, status: spec.status ?? 200 });
      app.route({
        method: spec.method,
        url: spec.url,
        ...(spec.bodyLimit ? { bodyLimit: spec.bodyLimit } : {}),
        onRequest: async (req) => {
          const principal = await authenticate(db, req.headers);
          authorize(principal, spec.roles);
          principals.set(req, principal);
        },
        handler: async (req, reply) => {
          const principal = principals.get(req);
          if (!principal) throw new ApiError('internal', 'request reached its handler unauthenticated');
          const params = parseOr400(spec.params, req.params, 'params');
          const query = parseOr400(spec.query, req.query, 'query');
          const body = parseOr400(spec.body, req.body, 'body');
          const result = await spec.handler({ principal, params, query, body, req, reply });
          if (options.validateResponses) assertResponse(spec, result);
          reply.code(spec.status ?? 200);
          return result;
        },
      });
    },
    openApi(info: { title: string; version: string; license?: { name: string; identifier: string } }): Record<string, unknown> {
      const paths: Record<string, Record<string, unknown>> = {};
      for (const r of documented) {
        const path = r.url.replace(/:([A-Za-z]+)/g, '{$1}');
        const parameters: unknown[] = [];
        for (const [location, schema] of [
          ['path', r.params],
          ['query', r.query],
        ] as const) {
          if (!schema) continue;
          const json = toJsonSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
          for (const [name, prop] of Object.entries(json.properties ?? {})) {
            parameters.push({ name, in: location, required: location === 'path' || (json.required ?? []).includes(name), schema: prop });
          }
        }
        const operations = paths[path] ?? {};
        paths[path] = operations;
        operations[r.method.toLowerCase()] = {
          operationId: r.operationId,
          summary: r.summary,
          tags: [r.tag],
          'x-roles': ['admin', ...r.roles],
          security: [{ bearer: [] }],
          parameters,
          ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: toJsonSchema(r.body) } } } } : {}),
          responses: {
            [String(r.status)]: { description: 'success', content: { 'application/json': { schema: toJsonSchema(r.response, 'output') } } },
            '400': { $ref: '#/components/responses/Error' },
            '401': { $ref: '#/components/responses/Error' },
            '403': { $ref: '#/components/responses/Error' },
            ...(r.params ? { '404': { $ref: '#/components/responses/Error' } } : {}),
          },
        };
      }
      return {
        openapi: '3.1.0',
        info,
        paths,
        components: {
          securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
          responses: {
            Error: {
              description: 'error',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      error: {
                        type: 'object',
                        properties: {
                          code: { type: 'string' },
                          message: { type: 'string' },
                          problems: { type: 'array', items: { type: 'string' } },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      };
    },
  };
}

export type RouteRegistry = ReturnType<typeof createRouteRegistry>;

/** Query helpers: comma-separated lists and bounded pages. */
export const commaList = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : v,
    z.array(item),
  );
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  offset: z.coerce.number().int().min(0).default(0),
};
export const CampaignParams = z.object({ id: z.uuid({ error: 'must be a campaign id (uuid)' }) });
