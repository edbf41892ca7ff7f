// Append-only audit log of acts: operator acts on the coalition and members' acts on their own keys.
import { type Kysely, sql, type Transaction } from 'kysely'
import { prepare } from '../db/prepared.js'
import type { DB } from '../db/schema.js'

type Db = Kysely<DB> | Transaction<DB>

export type AuditActor = { kind: 'operator'; name: string } | { kind: 'member'; member: string; actor: string } | { kind: 'gateway' }

export interface AuditEntry {
  at: Date
  actor: AuditActor
  action: string
  subject: string
  details?: Record<string, unknown>
}

/**
 * Call with the same `trx` as the act it records, so the act and its record commit together.
 * Several entries (a page of releases) go in one statement.
 */
/** audit_log's columns as a record type, for statements that insert entries given as jsonb (auditRow). */
export const AUDIT_ROW_TYPE = sql`at timestamptz, actor_kind text, actor_member char(2), actor text, action text, subject text, details jsonb`

export async function appendAudit(db: Db, ...entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return
  // One jsonb parameter for any number of entries: the statement text never varies.
  await sql`${prepare('audit-append')}
    insert into audit_log (at, actor_kind, actor_member, actor, action, subject, details)
    select at, actor_kind, actor_member, actor, action, subject, details
    from jsonb_to_recordset(${JSON.stringify(entries.map((e, n) => ({ ...auditRow(e), n })))}::jsonb)
      as a(${AUDIT_ROW_TYPE}, n integer)
    order by n`.execute(db)
}

/** The audit_log row for an entry: for statements that write the entry together with the act itself. */
export function auditRow(e: AuditEntry) {
  return {
    at: e.at,
    actor_kind: e.actor.kind,
    actor_member: e.actor.kind === 'member' ? e.actor.member : null,
    actor: e.actor.kind === 'operator' ? e.actor.name : e.actor.kind === 'member' ? e.actor.actor : 'gateway',
    action: e.action,
    subject: e.subject,
    details: e.details ?? {},
  }
}

export async function auditFor(
  db: Db,
  subject: string,
): Promise<Array<{ action: string; actorKind: string; actor: string; at: Date; details: Record<string, unknown> }>> {
  const rows = await db.selectFrom('audit_log').selectAll().where('subject', '=', subject).orderBy('id').execute()
  return rows.map((r) => ({ action: r.action, actorKind: r.actor_kind, actor: r.actor, at: r.at, details: r.details }))
}
