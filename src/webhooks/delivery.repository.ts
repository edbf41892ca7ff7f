// Webhook deliveries: taken from each subscription's feed (fan-out), claimed by workers on any
// instance with FOR UPDATE SKIP LOCKED and a lease, and finished with their attempt, in the database.
import { type Kysely, sql, type Transaction } from 'kysely'
import type { DB } from '../db/schema.js'

type Db = Kysely<DB> | Transaction<DB>

/** Feed rows one fan-out takes per subscription. */
const FAN_OUT_BATCH = 500

/** Rows readable in a feed: written by transactions older than every running one (event.repository). */
const READABLE = sql`e.txid < pg_snapshot_xmin(pg_current_snapshot())`

/**
 * Moves every subscription (but a disabled one) along its member's feed: each readable event after
 * its position that its event-type filter wants becomes a pending delivery, and the position moves
 * past every row read, in one statement. A subscription another instance is moving is skipped.
 */
export async function fanOut(db: Db, now: Date): Promise<number> {
  const { rows } = await sql<{ taken: string }>`
    with sub as (
      select s.id, s.member, s.feed_txid, s.feed_seq, s.filter from webhook_subscriptions s
      where s.state <> 'disabled' and exists (
        select 1 from events e where e.member = s.member and (e.txid, e.seq) > (s.feed_txid, s.feed_seq) and ${READABLE})
      for update of s skip locked
    ),
    ev as (
      select sub.id as sub_id, sub.filter, e.id, e.type, e.txid, e.seq from sub cross join lateral (
        select e.id, e.type, e.txid, e.seq from events e
        where e.member = sub.member and (e.txid, e.seq) > (sub.feed_txid, sub.feed_seq) and ${READABLE}
        order by e.txid, e.seq limit ${FAN_OUT_BATCH}) e
    ),
    ins as (
      insert into webhook_deliveries (id, subscription_id, event_id, event_type, state, next_attempt_at, created_at)
      select gen_random_uuid(), sub_id, id, type, 'pending', ${now}, ${now} from ev
      where filter->'eventTypes' is null or filter->'eventTypes' @> to_jsonb(type)
      on conflict do nothing
      returning 1
    ),
    last as (select distinct on (sub_id) sub_id, txid, seq from ev order by sub_id, txid desc, seq desc),
    moved as (
      update webhook_subscriptions s set feed_txid = last.txid, feed_seq = last.seq from last where s.id = last.sub_id
    )
    -- (data-modifying CTEs run whether or not the final select reads them)
    select count(*) as taken from ev`.execute(db)
  return Number(rows[0]?.taken ?? 0)
}

export interface ClaimedDelivery {
  id: string
  subscriptionId: string
  eventId: string | null
  eventType: string
  /** Claims so far, this one included. */
  attempts: number
  createdAt: Date
}

/**
 * Claims due deliveries for up to `limit` sends: only of active subscriptions of active members, at
 * most `perEndpoint` in flight per subscription (its row is locked while claiming, so two instances
 * never both fill its slots), each leased until `leaseUntil` (a worker that dies leaves it to the next).
 */
export async function claimDue(db: Db, q: { now: Date; leaseUntil: Date; limit: number; perEndpoint: number }): Promise<ClaimedDelivery[]> {
  if (q.limit < 1) return []
  const due = sql`d.state = 'pending' and d.next_attempt_at <= ${q.now} and (d.locked_until is null or d.locked_until <= ${q.now})`
  const { rows } = await sql<{
    id: string
    subscription_id: string
    event_id: string | null
    event_type: string
    attempts: number
    created_at: Date
  }>`
    with subs as (
      select s.id from webhook_subscriptions s join members m on m.code = s.member and m.status = 'active'
      where s.state = 'active' and exists (select 1 from webhook_deliveries d where d.subscription_id = s.id and ${due})
      order by s.id
      limit ${q.limit}
      for update of s skip locked
    ),
    cand as (
      select d.id from subs cross join lateral (
        select d.id, d.next_attempt_at from webhook_deliveries d
        where d.subscription_id = subs.id and ${due}
        order by d.next_attempt_at, d.created_at
        limit greatest(0, ${q.perEndpoint}::int - (
          select count(*) from webhook_deliveries x
          where x.subscription_id = subs.id and x.state = 'pending' and x.locked_until > ${q.now}))
      ) d
      order by d.next_attempt_at
      limit ${q.limit}
    )
    -- The due test again, here: an UPDATE re-reads a row another claimer changed after this
    -- statement's snapshot and re-checks its own WHERE, so a delivery claimed meanwhile is skipped.
    update webhook_deliveries d set locked_until = ${q.leaseUntil}, attempts = d.attempts + 1
    from cand where d.id = cand.id and ${due}
    returning d.id, d.subscription_id, d.event_id, d.event_type, d.attempts, d.created_at`.execute(db)
  return rows.map((r) => ({
    id: r.id,
    subscriptionId: r.subscription_id,
    eventId: r.event_id,
    eventType: r.event_type,
    attempts: r.attempts,
    createdAt: r.created_at,
  }))
}

export interface AttemptRecord {
  at: Date
  status: number | null
  latencyMs: number
  error: string | null
  excerpt: string | null
}

export type DeliveryOutcome =
  | { state: 'delivered' }
  | { state: 'dead' }
  | { state: 'pending'; nextAttemptAt: Date }
  | { state: 'suppressed' }

/** Ends one claim: its attempt (none for a suppressed delivery, which was never sent) and its new state. */
export async function finishDelivery(db: Db, id: string, outcome: DeliveryOutcome, attempt: AttemptRecord | null, at: Date): Promise<void> {
  if (attempt)
    await db
      .insertInto('webhook_attempts')
      .values({
        delivery_id: id,
        at: attempt.at,
        status: attempt.status,
        latency_ms: attempt.latencyMs,
        error: attempt.error,
        excerpt: attempt.excerpt,
      })
      .execute()
  await db
    .updateTable('webhook_deliveries')
    .set({
      state: outcome.state,
      locked_until: null,
      ...(outcome.state === 'pending' ? { next_attempt_at: outcome.nextAttemptAt, finished_at: null } : { finished_at: at }),
    })
    .where('id', '=', id)
    .execute()
}

/** Gives a claim back untried (its member was suspended meanwhile): the attempt it counted is undone. */
export async function releaseClaim(db: Db, id: string): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({ locked_until: null, attempts: eb('attempts', '-', 1) }))
    .where('id', '=', id)
    .execute()
}

/** A test ping, due now. */
export async function insertPing(db: Db, subscriptionId: string, id: string, now: Date): Promise<void> {
  await db
    .insertInto('webhook_deliveries')
    .values({
      id,
      subscription_id: subscriptionId,
      event_id: null,
      event_type: 'webhook.ping',
      state: 'pending',
      next_attempt_at: now,
      created_at: now,
    })
    .execute()
}
