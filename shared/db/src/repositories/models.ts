import type { DbOrTx } from '../create-db.ts';

/** Where a model came from: a base model, or a training run of a base model on a dataset. */
export type ModelLineage = { kind: 'base' } | { kind: 'trained'; baseModel: string; trainingRunId: string; datasetId: string };

export interface ModelRow {
  name: string;
  /** A model profile name (chat template, tokenizer, thinking markers). */
  profile: string;
  endpoints: string[];
  lineage: ModelLineage;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewModel {
  name: string;
  profile: string;
  endpoints?: string[];
  lineage: ModelLineage;
  createdBy?: string;
  at: Date;
}

export class ModelConflictError extends Error {
  override readonly name = 'ModelConflictError';
}

/** Registers a model; a name already taken is refused (a model's lineage never changes). */
export async function registerModel(db: DbOrTx, model: NewModel): Promise<ModelRow> {
  const trained = model.lineage.kind === 'trained' ? model.lineage : undefined;
  const inserted = await db
    .insertInto('models')
    .values({
      name: model.name,
      profile: model.profile,
      endpoints: JSON.stringify(model.endpoints ?? []),
      base_model: trained?.baseModel ?? null,
      training_run_id: trained?.trainingRunId ?? null,
      dataset_id: trained?.datasetId ?? null,
      created_by: model.createdBy,
      created_at: model.at,
      updated_at: model.at,
    })
    .onConflict((oc) => oc.column('name').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!inserted) throw new ModelConflictError(`model ${model.name} is already registered`);
  return toRow(inserted);
}

/** Replaces a model's endpoints (a serve step registering its replicas, or an operator). */
export async function setModelEndpoints(db: DbOrTx, name: string, endpoints: string[], at: Date): Promise<ModelRow | null> {
  const row = await db
    .updateTable('models')
    .set({ endpoints: JSON.stringify(endpoints), updated_at: at })
    .where('name', '=', name)
    .returningAll()
    .executeTakeFirst();
  return row ? toRow(row) : null;
}

export async function getModel(db: DbOrTx, name: string): Promise<ModelRow | null> {
  const row = await db.selectFrom('models').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? toRow(row) : null;
}

export async function listModels(db: DbOrTx): Promise<ModelRow[]> {
  const rows = await db.selectFrom('models').selectAll().orderBy('name').execute();
  return rows.map(toRow);
}

/** The model and its ancestors, newest first, ending at a base model (e.g. start, qwq-32b). */
export async function modelAncestry(db: DbOrTx, name: string): Promise<ModelRow[]> {
  const chain: ModelRow[] = [];
  const seen = new Set<string>();
  let next: string | null = name;
  // Foreign keys make the chain finite and acyclic for inserts; `seen` guards against a hand-edited table.
  while (next !== null && !seen.has(next)) {
    seen.add(next);
    const model = await getModel(db, next);
    if (!model) break;
    chain.push(model);
    next = model.lineage.kind === 'trained' ? model.lineage.baseModel : null;
  }
  return chain;
}

type Selected = {
  name: string;
  profile: string;
  endpoints: string[];
  base_model: string | null;
  training_run_id: string | null;
  dataset_id: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
};

function toRow(r: Selected): ModelRow {
  const lineage: ModelLineage =
    r.training_run_id !== null && r.dataset_id !== null && r.base_model !== null
      ? { kind: 'trained', baseModel: r.base_model, trainingRunId: r.training_run_id, datasetId: r.dataset_id }
      : { kind: 'base' };
  return {
    name: r.name,
    profile: r.profile,
    endpoints: r.endpoints,
    lineage,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
