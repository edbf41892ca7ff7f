// Storage of consent requests (a recipient asks an originator for withheld fields). An approved
// request is a grant, read with each record as its overlay (record.repository.ts).
import { type Kysely, type Selectable, type Transaction } from 'kysely'
import type { AccessRequestsTable, DB } from '../db/schema.js'
import { isUuid } from '../records/record.repository.js'

type Db = Kysely<DB> | Transaction<DB>

export type AccessStatus = AccessRequestsTable['status']

export interface AccessRequest {
  id: string
  originator: string
  recordId: string
  requester: string
  requestedBy: string
  fields: string[]
  justification: string
  purpose: string
  status: AccessStatus
  createdAt: Date
  respondBy: Date
  decidedAt: Date | null
  decidedBy: string | null
  reason: string | null
  grantedFields: string[] | null
  expiresAt: Date | null
}

const toRequest = (r: Selectable<AccessRequestsTable>): AccessRequest => ({
  id: r.id,
  originator: r.originator,
  recordId: r.record_id,
  requester: r.requester,
  requestedBy: r.requested_by,
  fields: r.fields ?? [],
  justification: r.justification,
  purpose: r.purpose,
  status: r.status,
  createdAt: r.created_at,
  respondBy: r.respond_by,
  decidedAt: r.decided_at,
  decidedBy: r.decided_by,
  reason: r.reason,
  grantedFields: r.granted_fields,
  expiresAt: r.expires_at,
})

export async function insertAccessRequest(
  db: Db,
  r: Omit<AccessRequest, 'status' | 'decidedAt' | 'decidedBy' | 'reason' | 'grantedFields' | 'expiresAt'>,
): Promise<AccessRequest> {
  const row = await db
    .insertInto('access_requests')
    .values({
      id: r.id,
      originator: r.originator,
      record_id: r.recordId,
      requester: r.requester,
      requested_by: r.requestedBy,
      fields: r.fields,
      justification: r.justification,
      purpose: r.purpose,
      status: 'pending',
      created_at: r.createdAt,
      respond_by: r.respondBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return toRequest(row)
}

/** A request the member is a party to (as requester or originator), locked when `forUpdate`. */
export async function findAccessRequest(db: Db, member: string, id: string, forUpdate = false): Promise<AccessRequest | undefined> {
  if (!isUuid(id)) return undefined
  let q = db
    .selectFrom('access_requests')
    .selectAll()
    .where('id', '=', id)
    .where((eb) => eb.or([eb('requester', '=', member), eb('originator', '=', member)]))
  if (forUpdate) q = q.forUpdate()
  const row = await q.executeTakeFirst()
  return row && toRequest(row)
}

export async function listAccessRequests(
  db: Db,
  member: string,
  as: 'requester' | 'originator',
  status: AccessStatus | undefined,
  limit: number,
): Promise<AccessRequest[]> {
  let q = db.selectFrom('access_requests').selectAll().where(as, '=', member)
  if (status) q = q.where('status', '=', status)
  return (await q.orderBy('created_at', 'desc').orderBy('id').limit(limit).execute()).map(toRequest)
}

export async function recordDecision(
  db: Db,
  id: string,
  d: {
    status: 'approved' | 'denied'
    decidedAt: Date
    decidedBy: string
    reason: string | null
    grantedFields: string[] | null
    expiresAt: Date | null
  },
): Promise<AccessRequest> {
  const row = await db
    .updateTable('access_requests')
    .set({
      status: d.status,
      decided_at: d.decidedAt,
      decided_by: d.decidedBy,
      reason: d.reason,
      granted_fields: d.grantedFields,
      expires_at: d.expiresAt,
    })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirstOrThrow()
  return toRequest(row)
}

/** Pending requests whose deadline has passed become lapsed; returns them (to event and audit). */
export async function lapseOverdue(db: Db, now: Date): Promise<AccessRequest[]> {
  const rows = await db
    .updateTable('access_requests')
    .set({ status: 'lapsed', decided_at: now })
    .where('status', '=', 'pending')
    .where('respond_by', '<=', now)
    .returningAll()
    .execute()
  return rows.map(toRequest)
}
