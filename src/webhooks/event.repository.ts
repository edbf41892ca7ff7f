// The event outbox: what each member is told about (policy changes, consent workflow steps), written
// in the same transaction as the act, read in order. Later delivery (webhooks, subscriptions) reads
// from here. Events name ids and states, never record content.
import { type Kysely, sql, type Transaction } from 'kysely'
import type { DB } from '../db/schema.js'
import { errors } from '../errors.js'

type Db = Kysely<DB> | Transaction<DB>

export interface NewEvent {
  member: string
  type: string
  subject: string
  data: Record<string, unknown>
  at: Date
}

export interface StoredEvent {
  seq: string
  type: string
  subject: string
  data: Record<string, unknown>
  createdAt: string
}

export async function appendEvents(db: Db, ...events: NewEvent[]): Promise<void> {
  if (events.length === 0) return
  await db
    .insertInto('events')
    .values(events.map((e) => ({ member: e.member, type: e.type, subject: e.subject, data: JSON.stringify(e.data), created_at: e.at })))
    .execute()
}

const MAX_SEQ = 9_223_372_036_854_775_807n

/** A sequence number as the caller gave it: digits within bigint, else a validation error. */
export function parseSeq(after: string | null | undefined): string | null {
  if (after === null || after === undefined) return null
  if (!/^[0-9]{1,19}$/.test(after) || BigInt(after) > MAX_SEQ)
    throw errors.validation('after must be a sequence number from this feed', [{ pointer: '/after', detail: 'a sequence number' }])
  return after
}

/** A member's events after `after` (exclusive; see parseSeq), oldest first. */
export async function listEvents(db: Db, member: string, after: string | null, limit: number): Promise<StoredEvent[]> {
  let q = db.selectFrom('events').select(['seq', 'type', 'subject', 'data', 'created_at']).where('member', '=', member)
  if (after !== null) q = q.where('seq', '>', sql<string>`${after}::bigint`)
  const rows = await q.orderBy('seq').limit(limit).execute()
  return rows.map((r) => ({ seq: String(r.seq), type: r.type, subject: r.subject, data: r.data, createdAt: r.created_at.toISOString() }))
}
