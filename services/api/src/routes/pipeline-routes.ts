import { createHash, randomUUID } from 'node:crypto';
import { endpointProblems, InputError, parseYamlMapping } from '@rft/contracts';
import {
  BenchmarkConflictError,
  getPipeline,
  listPipelines,
  insertPipeline,
  pipelineSteps,
  recordAudit,
  registerBenchmark,
  transitionPipelineStep,
  type Db,
  type PipelineFileRef,
} from '@rft/db';
import { parseQuestionFile } from '@rft/intake';
import { parseBenchmarkFile, parseTrainProfileFile, specFiles, validatePipelineSpec, type ValidatedPipeline } from '@rft/pipeline';
import { z } from 'zod';
import { DEFAULT_API_OPTIONS, type ApiDeps } from '../api-deps.ts';
import { ApiError, notFound } from '../api-errors.ts';
import { actorOf, assertTeamAccess, type ApiPrincipal } from '../auth.ts';
import { evalReport } from '../eval-report.ts';
import { pipelineDetail } from '../pipeline-view.ts';
import { readUploadedObject } from '../uploaded-object.ts';
import { benchmarkKey } from './benchmark-routes.ts';
import type { RouteRegistry } from '../route-registry.ts';
import {
  EvalReportResponse,
  PipelineCreated,
  PipelineDetailResponse,
  PipelineStepChanged,
  PipelineSummaryResponse,
} from '../response-schemas.ts';

/** A file the spec names: its contents inline (UTF-8), or an object key from POST /v1/uploads. */
const SubmittedFile = z.union([z.object({ content: z.string() }).strict(), z.object({ key: z.string().min(1) }).strict()]);

export const SubmitPipelineRequest = z
  .object({
    /** The pipeline spec: YAML text or the parsed mapping. */
    spec: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
    /** Every file the spec names, by the path as written in the spec. */
    files: z.record(z.string(), SubmittedFile).default({}),
  })
  .strict();
type SubmitPipelineRequest = z.infer<typeof SubmitPipelineRequest>;

const PipelineRef = z.object({ id: z.string().min(1).max(200).meta({ description: 'pipeline id or name (the newest with that name)' }) });
const StepParams = PipelineRef.extend({ step: z.string().min(1).max(48) });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Spec problems as `body.spec.<path>: problem`, so they name the field in the request. */
function validateSubmitted(spec: SubmitPipelineRequest['spec']): ValidatedPipeline {
  try {
    const raw = typeof spec === 'string' ? parseYamlMapping(spec, 'body.spec', 'a pipeline spec must be a mapping') : spec;
    return validatePipelineSpec(raw, 'body.spec');
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    const problems = error.problems.map((p) => p.replace(/^body\.spec: (?=[a-z])/, 'body.spec.'));
    throw new ApiError('invalid_request', problems.join('; '), problems);
  }
}

export async function loadPipeline(db: Db, ref: string) {
  const pipeline = UUID.test(ref) ? await getPipeline(db, ref) : ((await listPipelines(db, { name: ref, limit: 1 }))[0] ?? null);
  if (!pipeline) throw notFound('pipeline', ref);
  return pipeline;
}

/** A pipeline the caller may see: a submitter only their own team's (by name, only among those). */
async function loadTeamPipeline(db: Db, principal: ApiPrincipal, ref: string) {
  if (principal.role === 'submitter' && !UUID.test(ref)) {
    const [own] = await listPipelines(db, { name: ref, team: principal.team!, limit: 1 });
    if (!own) throw notFound('pipeline', ref);
    return own;
  }
  const pipeline = await loadPipeline(db, ref);
  assertTeamAccess(principal, pipeline.team, 'pipeline');
  return pipeline;
}

async function readSubmittedFile(deps: ApiDeps, principal: ApiPrincipal, path: string, file: z.infer<typeof SubmittedFile>) {
  if ('content' in file) return new TextEncoder().encode(file.content);
  const field = `body.files.${path}.key`;
  if (file.key.endsWith('.zst')) throw new ApiError('invalid_request', `${field}: pipeline files are uploaded uncompressed`);
  return readUploadedObject(deps, principal, field, file.key, { what: 'the file' });
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export function registerPipelineRoutes(routes: RouteRegistry, deps: ApiDeps): void {
  const { db } = deps;
  const endpointAllowlist = deps.options?.endpointAllowlist ?? DEFAULT_API_OPTIONS.endpointAllowlist;

  routes.add({
    method: 'POST',
    url: '/v1/pipelines',
    operationId: 'submitPipeline',
    response: PipelineCreated,
    summary: 'Submit a pipeline spec with every file it names; benchmarks it names are registered',
    tag: 'pipelines',
    roles: ['submitter', 'operator'],
    body: SubmitPipelineRequest,
    bodyLimit: deps.options?.maxInlineQuestionsBytes ?? DEFAULT_API_OPTIONS.maxInlineQuestionsBytes,
    status: 201,
    async handler({ principal, body, req }) {
      const { spec, order } = validateSubmitted(body.spec);
      const refused = Object.entries(spec.models).flatMap(([name, m]) =>
        endpointProblems(m.endpoints ?? [], endpointAllowlist, `body.spec.models.${name}.endpoints`),
      );
      if (refused.length) throw new ApiError('invalid_request', refused.join('; '), refused);
      const named = specFiles(spec);
      const missing = named
        .filter((f) => !Object.hasOwn(body.files, f.path))
        .map((f) => `body.files: missing ${JSON.stringify(f.path)} (named by body.spec.${f.field})`);
      const extra = Object.keys(body.files)
        .filter((path) => !named.some((f) => f.path === path))
        .map((path) => `body.files.${path}: not named by the spec`);
      if (missing.length || extra.length) throw new ApiError('invalid_request', [...missing, ...extra].join('; '), [...missing, ...extra]);

      if (principal.role === 'submitter' && spec.team !== undefined && spec.team !== principal.team) {
        throw new ApiError(
          'forbidden',
          `body.spec.team is "${spec.team}" but your token submits for team "${principal.team}"; leave team out or set team: ${principal.team}`,
        );
      }
      const team = spec.team ?? (principal.role === 'submitter' ? principal.team! : 'default');
      const id = randomUUID();
      const contents = new Map<string, Uint8Array>();
      for (const f of named) contents.set(f.path, await readSubmittedFile(deps, principal, f.path, body.files[f.path]!));
      // Every file is checked before anything is stored: a bad line refuses the whole pipeline.
      const text = (path: string) => new TextDecoder().decode(contents.get(path));
      const problems: string[] = [];
      const benchmarkProblems = new Map<string, number>();
      for (const [name, b] of Object.entries(spec.benchmarks)) {
        try {
          benchmarkProblems.set(name, parseBenchmarkFile(text(b.file), b.file).length);
        } catch (error) {
          if (!(error instanceof InputError)) throw error;
          problems.push(...error.problems.map((p) => `body.files.${p}`));
        }
      }
      for (const step of Object.values(spec.steps)) {
        try {
          if (step.kind === 'campaign') parseQuestionFile(contents.get(step.questions)!, step.questions);
          if (step.kind === 'train') parseTrainProfileFile(text(step.profile), step.profile);
        } catch (error) {
          if (!(error instanceof InputError)) throw error;
          problems.push(...error.problems.map((p) => `body.files.${p}`));
        }
      }
      if (problems.length) throw new ApiError('invalid_request', [...new Set(problems)].join('; '), [...new Set(problems)]);

      const files: Record<string, PipelineFileRef> = {};
      for (const [path, bytes] of contents) {
        const hash = sha256(bytes);
        const key = `pipelines/${id}/files/${hash}`;
        await deps.store.put(key, bytes);
        files[path] = { key, sha256: hash, bytes: bytes.byteLength };
      }
      const at = new Date();
      const actor = actorOf(principal);
      const benchmarks: Array<{ name: string; problems: number; sha256: string }> = [];
      for (const [name, b] of Object.entries(spec.benchmarks)) {
        const hash = files[b.file]!.sha256;
        await deps.store.put(benchmarkKey(name, hash), contents.get(b.file)!);
        benchmarks.push({ name, problems: benchmarkProblems.get(name)!, sha256: hash });
      }
      try {
        await db.transaction().execute(async (tx) => {
          for (const b of benchmarks) {
            await registerBenchmark(tx, {
              name: b.name,
              objectKey: benchmarkKey(b.name, b.sha256),
              sha256: b.sha256,
              problems: b.problems,
              createdBy: actor,
              at,
            });
          }
          await insertPipeline(tx, {
            id,
            name: spec.name,
            spec: spec as unknown as Record<string, unknown>,
            steps: order.map((name) => ({ name, kind: spec.steps[name]!.kind })),
            files,
            team,
            createdBy: actor,
            at,
          });
          await recordAudit(tx, {
            actor,
            action: 'pipeline.submit',
            targetType: 'pipeline',
            targetId: id,
            after: { name: spec.name, team, files },
          });
        });
      } catch (error) {
        if (error instanceof BenchmarkConflictError) throw new ApiError('conflict', `body.spec.benchmarks: ${error.message}`);
        throw error;
      }
      req.log.info({ pipelineId: id, name: spec.name, team, steps: order.length }, 'pipeline submitted');
      return { id, name: spec.name, team, order, files, benchmarks };
    },
  });

  routes.add({
    method: 'GET',
    url: '/v1/pipelines',
    operationId: 'listPipelines',
    response: z.object({ items: z.array(PipelineSummaryResponse) }),
    summary: "Pipelines, newest first, with their steps counted per status (submitters see their team's only)",
    tag: 'pipelines',
    roles: ['submitter', 'operator'],
    query: z.object({
      name: z.string().min(1).optional(),
      team: z.string().min(1).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
    async handler({ principal, query }) {
      const team = principal.role === 'submitter' ? principal.team! : query.team;
      const pipelines = await listPipelines(db, {
        ...(query.name ? { name: query.name } : {}),
        ...(team !== undefined ? { team } : {}),
        limit: query.limit,
      });
      const items = [];
      for (const p of pipelines) {
        const steps: Record<string, number> = {};
        for (const s of await pipelineSteps(db, p.id)) steps[s.status] = (steps[s.status] ?? 0) + 1;
        items.push({ id: p.id, name: p.name, team: p.team, createdBy: p.createdBy, createdAt: p.createdAt, steps });
      }
      return { items };
    },
  });

  routes.add({
    method: 'GET',
    url: '/v1/pipelines/:id',
    operationId: 'getPipeline',
    response: PipelineDetailResponse,
    summary: "A pipeline's steps in run order: state, reason, output, what holds them, the next command, and their events",
    tag: 'pipelines',
    roles: ['submitter', 'operator'],
    params: PipelineRef,
    async handler({ principal, params }) {
      return pipelineDetail(db, await loadTeamPipeline(db, principal, params.id));
    },
  });

  routes.add({
    method: 'GET',
    url: '/v1/pipelines/:id/report',
    operationId: 'getPipelineReport',
    response: EvalReportResponse,
    summary: 'Evaluation report: pass@1, pass@k and maj@k with bootstrap intervals, models x benchmarks',
    tag: 'pipelines',
    roles: ['submitter', 'operator'],
    params: PipelineRef,
    async handler({ principal, params }) {
      return evalReport(db, await loadTeamPipeline(db, principal, params.id));
    },
  });

  for (const action of ['retry', 'accept'] as const) {
    routes.add({
      method: 'POST',
      url: `/v1/pipelines/:id/steps/:step/${action}`,
      operationId: action === 'retry' ? 'retryPipelineStep' : 'acceptPipelineStep',
      response: PipelineStepChanged,
      summary:
        action === 'retry'
          ? 'Run a failed or partial step again (it goes back to waiting)'
          : 'Accept a failed or partial step as it is, so the steps after it run',
      tag: 'pipelines',
      roles: ['operator'],
      params: StepParams,
      body: z
        .object({ reason: z.string().min(1).max(2000).optional() })
        .strict()
        .default({}),
      async handler({ principal, params, body }) {
        if (action === 'accept' && !body.reason)
          throw new ApiError('invalid_request', 'body.reason: say why the step is accepted as it is');
        const pipeline = await loadPipeline(db, params.id);
        const actor = actorOf(principal);
        const to = action === 'retry' ? 'waiting' : 'accepted';
        const outcome = await db.transaction().execute(async (tx) => {
          const before = (await pipelineSteps(tx, pipeline.id)).find((s) => s.name === params.step);
          const result = await transitionPipelineStep(tx, {
            pipelineId: pipeline.id,
            step: params.step,
            to,
            from: ['failed', 'partial'],
            ...(action === 'retry' ? { reason: null } : { reason: `accepted by ${principal.name}: ${body.reason}` }),
            detail: { actor, action, ...(body.reason ? { reason: body.reason } : {}) },
            at: new Date(),
          });
          if (result.applied) {
            await recordAudit(tx, {
              actor,
              action: `pipeline.step.${action}`,
              targetType: 'pipeline_step',
              targetId: `${pipeline.id}/${params.step}`,
              before: { status: before?.status, reason: before?.reason },
              after: { status: to, reason: body.reason ?? null },
            });
          }
          return result;
        });
        if (!outcome.step) throw notFound(`step of pipeline ${pipeline.id}`, params.step);
        if (!outcome.applied) {
          throw new ApiError(
            'conflict',
            `step ${params.step} is ${outcome.step.status}; only a failed or partial step can be ${action === 'retry' ? 'retried' : 'accepted'}`,
          );
        }
        return { pipelineId: pipeline.id, step: params.step, status: outcome.step.status, reason: outcome.step.reason };
      },
    });
  }
}
