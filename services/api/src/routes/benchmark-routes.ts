import { createHash } from 'node:crypto';
import { InputError } from '@rft/contracts';
import { BenchmarkConflictError, listBenchmarks, recordAudit, registerBenchmark } from '@rft/db';
import { parseBenchmarkFile } from '@rft/pipeline';
import { z } from 'zod';
import { DEFAULT_API_OPTIONS, type ApiDeps } from '../api-deps.ts';
import { ApiError } from '../api-errors.ts';
import { actorOf } from '../auth.ts';
import type { RouteRegistry } from '../route-registry.ts';
import { BenchmarkResponse } from '../response-schemas.ts';

/** Where a benchmark's problems are stored: content-addressed, so a name never points at other bytes. */
export const benchmarkKey = (name: string, sha256: string) => `benchmarks/${name}/${sha256}.jsonl`;

const BenchmarkName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,47}$/, 'lowercase letters, digits and dashes, starting with a letter, at most 48');

export function registerBenchmarkRoutes(routes: RouteRegistry, deps: ApiDeps): void {
  const { db } = deps;

  routes.add({
    method: 'GET',
    url: '/v1/benchmarks',
    operationId: 'listBenchmarks',
    response: z.object({ items: z.array(BenchmarkResponse) }),
    summary: 'Registered benchmarks: held-out problem sets for evaluation and decontamination',
    tag: 'pipelines',
    roles: ['submitter', 'operator'],
    async handler() {
      return { items: await listBenchmarks(db) };
    },
  });

  routes.add({
    method: 'POST',
    url: '/v1/benchmarks',
    operationId: 'addBenchmark',
    response: BenchmarkResponse,
    summary: 'Register a benchmark (JSONL, one question per line); a taken name with other content is refused (409)',
    tag: 'pipelines',
    roles: ['operator'],
    body: z
      .object({ name: BenchmarkName, content: z.string().min(1), file: z.string().min(1).max(500).default('benchmark.jsonl') })
      .strict(),
    bodyLimit: deps.options?.maxInlineQuestionsBytes ?? DEFAULT_API_OPTIONS.maxInlineQuestionsBytes,
    status: 201,
    async handler({ principal, body }) {
      let problems: number;
      try {
        problems = parseBenchmarkFile(body.content, `body.content (${body.file})`).length;
      } catch (error) {
        if (error instanceof InputError) throw new ApiError('invalid_request', error.problems.join('; '), error.problems);
        throw error;
      }
      const bytes = new TextEncoder().encode(body.content);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const objectKey = benchmarkKey(body.name, sha256);
      await deps.store.put(objectKey, bytes);
      const actor = actorOf(principal);
      try {
        const row = await registerBenchmark(db, { name: body.name, objectKey, sha256, problems, createdBy: actor, at: new Date() });
        await recordAudit(db, {
          actor,
          action: 'benchmark.add',
          targetType: 'benchmark',
          targetId: body.name,
          after: { sha256, problems },
        });
        return row;
      } catch (error) {
        if (error instanceof BenchmarkConflictError) throw new ApiError('conflict', `body.name: ${error.message}`);
        throw error;
      }
    },
  });
}
