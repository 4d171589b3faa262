import type { DbOrTx } from '../create-db.ts';

export interface AuditEntry {
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  before?: unknown;
  after?: unknown;
}

/** Records who did what to which object, with its state before and after. */
export async function recordAudit(db: DbOrTx, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      actor: entry.actor,
      action: entry.action,
      target_type: entry.targetType,
      target_id: entry.targetId,
      before: entry.before === undefined ? null : JSON.stringify(entry.before),
      after: entry.after === undefined ? null : JSON.stringify(entry.after),
    })
    .execute();
}

export async function auditTrail(db: DbOrTx, targetType: string, targetId: string) {
  return db
    .selectFrom('audit_events')
    .selectAll()
    .where('target_type', '=', targetType)
    .where('target_id', '=', targetId)
    .orderBy('id')
    .execute();
}

/** A campaign's audit trail: events on the campaign and on its questions (`<campaign>/<question>`), oldest first. */
export async function campaignAuditTrail(db: DbOrTx, campaignId: string, limit: number) {
  return db
    .selectFrom('audit_events')
    .select(['id', 'at', 'actor', 'action', 'target_type', 'target_id', 'before', 'after'])
    .where((eb) => eb.or([eb('target_id', '=', campaignId), eb('target_id', 'like', `${campaignId}/%`)]))
    .orderBy('id')
    .limit(limit)
    .execute();
}
