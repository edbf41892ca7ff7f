// Storage of contact requests on blind matches (see migrations/0013). Each side reads only its own:
// the asker by requester, the hidden side by target; the target's columns reach the asker only
// through the service, once accepted.
import { type Kysely, type Selectable, type Transaction } from 'kysely'
import type { DB, MatchContactsTable } from '../db/schema.js'
import { isUuid } from '../records/record.repository.js'

type Db = Kysely<DB> | Transaction<DB>

export type ContactStatus = MatchContactsTable['status']
export type ContactSide = 'requester' | 'target'

export interface ContactRequest {
  id: string
  matchId: string
  requester: { originator: string; record: string; field: string }
  target: { originator: string; record: string; field: string }
  requestedBy: string
  message: string
  purpose: string
  status: ContactStatus
  createdAt: Date
  respondBy: Date
  decidedAt: Date | null
  decidedBy: string | null
  reason: string | null
}

const toContact = (r: Selectable<MatchContactsTable>): ContactRequest => ({
  id: r.id,
  matchId: r.match_id,
  requester: { originator: r.requester, record: r.requester_record, field: r.requester_field },
  target: { originator: r.target, record: r.target_record, field: r.target_field },
  requestedBy: r.requested_by,
  message: r.message,
  purpose: r.purpose,
  status: r.status,
  createdAt: r.created_at,
  respondBy: r.respond_by,
  decidedAt: r.decided_at,
  decidedBy: r.decided_by,
  reason: r.reason,
})

export async function insertContact(
  db: Db,
  c: Omit<ContactRequest, 'status' | 'decidedAt' | 'decidedBy' | 'reason'>,
): Promise<ContactRequest> {
  const row = await db
    .insertInto('match_contacts')
    .values({
      id: c.id,
      match_id: c.matchId,
      requester: c.requester.originator,
      requester_record: c.requester.record,
      requester_field: c.requester.field,
      target: c.target.originator,
      target_record: c.target.record,
      target_field: c.target.field,
      requested_by: c.requestedBy,
      message: c.message,
      purpose: c.purpose,
      status: 'pending',
      created_at: c.createdAt,
      respond_by: c.respondBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return toContact(row)
}

/** A request the member is a side of (as `side`, or either); `forUpdate` locks it for a decision. */
export async function findContact(
  db: Db,
  member: string,
  id: string,
  side?: ContactSide,
  forUpdate = false,
): Promise<ContactRequest | undefined> {
  if (!isUuid(id)) return undefined
  let q = db.selectFrom('match_contacts').selectAll().where('id', '=', id)
  q = side ? q.where(side, '=', member) : q.where((eb) => eb.or([eb('requester', '=', member), eb('target', '=', member)]))
  const row = await (forUpdate ? q.forUpdate() : q).executeTakeFirst()
  return row && toContact(row)
}

export async function listContacts(
  db: Db,
  member: string,
  side: ContactSide,
  status: ContactStatus | undefined,
  limit: number,
): Promise<ContactRequest[]> {
  let q = db.selectFrom('match_contacts').selectAll().where(side, '=', member)
  if (status) q = q.where('status', '=', status)
  return (await q.orderBy('created_at', 'desc').orderBy('id').limit(limit).execute()).map(toContact)
}

export async function decideContact(
  db: Db,
  id: string,
  d: { status: 'accepted' | 'declined'; decidedAt: Date; decidedBy: string; reason: string | null },
): Promise<ContactRequest> {
  const row = await db
    .updateTable('match_contacts')
    .set({ status: d.status, decided_at: d.decidedAt, decided_by: d.decidedBy, reason: d.reason })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirstOrThrow()
  return toContact(row)
}

/** Pending requests past their answer date become lapsed; returns them. */
export async function lapseOverdueContacts(db: Db, now: Date): Promise<ContactRequest[]> {
  const rows = await db
    .updateTable('match_contacts')
    .set({ status: 'lapsed', decided_at: now })
    .where('status', '=', 'pending')
    .where('respond_by', '<=', now)
    .returningAll()
    .execute()
  return rows.map(toContact)
}
