// The event outbox: what each member is told about (records shared with it, corrections and
// withdrawals of what it received, policy changes, consent steps, matches), written in the same
// transaction as the act. Rows hold references (ids, types, versions), never record content:
// what a member is shown is rendered when it is sent (event.render.ts).
import { type Kysely, sql, type Transaction } from 'kysely'
import type { DB } from '../db/schema.js'
import { receiversSql } from '../disclosure/release-actions.js'

type Db = Kysely<DB> | Transaction<DB>

export interface NewEvent {
  member: string
  type: string
  subject: string
  data: Record<string, unknown>
  at: Date
}

/** A place in one member's feed: after the row written by transaction `txid` with number `seq`. */
export interface FeedPosition {
  txid: string
  seq: string
}

export interface StoredEvent extends FeedPosition {
  id: string
  type: string
  subject: string
  data: Record<string, unknown>
  createdAt: string
}

const toStored = (r: {
  id: string
  txid: string
  seq: string | number
  type: string
  subject: string
  data: Record<string, unknown>
  created_at: Date
}): StoredEvent => ({
  id: r.id,
  txid: r.txid,
  seq: String(r.seq),
  type: r.type,
  subject: r.subject,
  data: r.data,
  createdAt: r.created_at.toISOString(),
})

export async function appendEvents(db: Db, ...events: NewEvent[]): Promise<void> {
  if (events.length === 0) return
  await db
    .insertInto('events')
    .values(events.map((e) => ({ member: e.member, type: e.type, subject: e.subject, data: JSON.stringify(e.data), created_at: e.at })))
    .execute()
}

/**
 * A member's events after `after`, in commit-safe order. A row becomes readable only once every
 * transaction that started before its own has ended (txid below the snapshot's xmin): a later row can
 * then never commit in front of a position already handed out, so a reader following the positions
 * sees every row once. Rows are ordered by (txid, seq), the same order in every snapshot.
 */
export async function listEvents(db: Db, member: string, after: FeedPosition | null, limit: number): Promise<StoredEvent[]> {
  let q = db
    .selectFrom('events')
    .select(['id', 'seq', sql<string>`txid::text`.as('txid'), 'type', 'subject', 'data', 'created_at'])
    .where('member', '=', member)
    .where(sql<boolean>`txid < pg_snapshot_xmin(pg_current_snapshot())`)
  if (after !== null) q = q.where(sql<boolean>`(txid, seq) > (${after.txid}::xid8, ${after.seq}::bigint)`)
  const rows = await q.orderBy('txid').orderBy('seq').limit(limit).execute()
  return rows.map(toStored)
}

/** Where `member`'s feed ends now: its last readable row (a row not readable yet always sorts after it), or null. */
export async function lastEventPosition(db: Db, member: string): Promise<FeedPosition | null> {
  const r = await db
    .selectFrom('events')
    .select(['seq', sql<string>`txid::text`.as('txid')])
    .where('member', '=', member)
    .where(sql<boolean>`txid < pg_snapshot_xmin(pg_current_snapshot())`)
    .orderBy('txid', 'desc')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst()
  return r ? { txid: r.txid, seq: String(r.seq) } : null
}

/**
 * Notices to every member the audit log shows received `ref` (a read, list, search or event release,
 * as a presentation or a hit), in the caller's transaction: withdrawals and corrections go to those
 * who hold or know of the record, carrying ids, version and time only.
 */
export async function noticeReceivers(
  db: Db,
  ref: { originator: string; id: string },
  notice: { type: 'record.withdrawn' | 'record.corrected'; data: Record<string, unknown>; at: Date },
): Promise<void> {
  const subject = `record:${ref.originator}:${ref.id}`
  await sql`
    insert into events (member, type, subject, data, created_at)
    select r.member, ${notice.type}, ${subject}, ${JSON.stringify(notice.data)}::jsonb, ${notice.at}::timestamptz
    from (${receiversSql(sql.val(subject), sql.val(ref.originator))}) r`.execute(db)
}

/** One of `member`'s events by its id (undefined for another member's: feeds are per member). */
export async function findEvent(db: Db, member: string, id: string): Promise<StoredEvent | undefined> {
  const r = await db
    .selectFrom('events')
    .select(['id', 'seq', sql<string>`txid::text`.as('txid'), 'type', 'subject', 'data', 'created_at'])
    .where('member', '=', member)
    .where('id', '=', id)
    .executeTakeFirst()
  return r && toStored(r)
}
