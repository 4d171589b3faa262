import type { ModelSpec } from '@rft/contracts';
import { getModel, type DbOrTx } from '@rft/db';
import { ServeStepOutput } from '@rft/pipeline';
import type { z } from 'zod';
import { outputOf, type PipelineView, StepInputError } from './engine-deps.ts';

type Model = z.infer<typeof ModelSpec>;

/** The record name of a model reference: a `models:` key, or the model a serve step serves. */
export function modelRecordName(view: PipelineView, ref: string): string {
  if (Object.hasOwn(view.spec.models, ref)) return ref;
  return outputOf(view, ref, ServeStepOutput).model;
}

/**
 * The model a campaign samples: a `models:` entry as written, or the model a serve step serves
 * (its name is what the server was started with, its endpoints what the serve step registered,
 * its profile the one recorded with the model).
 */
export async function resolveModel(db: DbOrTx, view: PipelineView, ref: string): Promise<Model> {
  const entry = view.spec.models[ref];
  if (entry) return entry;
  const served = outputOf(view, ref, ServeStepOutput);
  const record = await getModel(db, served.model);
  if (!record) throw new StepInputError(`model ${served.model} (served by step ${ref}) is not registered`);
  const endpoints = served.endpoints.length ? served.endpoints : record.endpoints;
  if (endpoints.length === 0) throw new StepInputError(`model ${served.model} (served by step ${ref}) has no endpoint`);
  return { name: served.model, endpoints, profile: record.profile };
}
