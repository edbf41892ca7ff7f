// A member's view of its endpoints' deliveries and attempts, and replays. Suppressed deliveries (the
// member was shown nothing) are never listed or counted here: they exist for the operator only.
import type { Kysely, Selectable, Transaction } from 'kysely'
import type { DB, WebhookDeliveriesTable } from '../db/schema.js'

type Db = Kysely<DB> | Transaction<DB>

export interface DeliveryRow {
  id: string
  eventId: string | null
  eventType: string
  state: 'pending' | 'delivered' | 'dead'
  attempts: number
  nextAttemptAt: Date
  createdAt: Date
  finishedAt: Date | null
}

export interface AttemptRow {
  at: Date
  status: number | null
  latencyMs: number
  error: string | null
  excerpt: string | null
}

const LISTED = ['pending', 'delivered', 'dead'] as const
const COLUMNS = ['id', 'event_id', 'event_type', 'state', 'attempts', 'next_attempt_at', 'created_at', 'finished_at'] as const

const toRow = (r: Pick<Selectable<WebhookDeliveriesTable>, (typeof COLUMNS)[number]>): DeliveryRow => ({
  id: r.id,
  eventId: r.event_id,
  eventType: r.event_type,
  state: r.state as DeliveryRow['state'],
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
})

export async function listDeliveries(
  db: Db,
  subscriptionId: string,
  q: { state?: DeliveryRow['state']; before?: { createdAt: Date; id: string }; limit: number },
): Promise<DeliveryRow[]> {
  let sel = db
    .selectFrom('webhook_deliveries')
    .select(COLUMNS)
    .where('subscription_id', '=', subscriptionId)
    .where('state', 'in', q.state ? [q.state] : [...LISTED])
  if (q.before) {
    const { createdAt, id } = q.before
    sel = sel.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]))
  }
  const rows = await sel.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).execute()
  return rows.map(toRow)
}

/** A listed (never a suppressed) delivery of this subscription. */
export async function findListedDelivery(db: Db, subscriptionId: string, id: string): Promise<DeliveryRow | undefined> {
  const r = await db
    .selectFrom('webhook_deliveries')
    .select(COLUMNS)
    .where('subscription_id', '=', subscriptionId)
    .where('id', '=', id)
    .where('state', 'in', [...LISTED])
    .executeTakeFirst()
  return r && toRow(r)
}

export async function listAttempts(db: Db, deliveryId: string): Promise<AttemptRow[]> {
  const rows = await db
    .selectFrom('webhook_attempts')
    .select(['at', 'status', 'latency_ms', 'error', 'excerpt'])
    .where('delivery_id', '=', deliveryId)
    .orderBy('at')
    .orderBy('id')
    .execute()
  return rows.map((r) => ({ at: r.at, status: r.status, latencyMs: r.latency_ms, error: r.error, excerpt: r.excerpt }))
}

/** Due again now, rendered afresh when sent; the same webhook-id (it is the same message). */
export async function requeue(db: Db, subscriptionId: string, q: { id: string } | { since: Date }, now: Date): Promise<void> {
  let u = db
    .updateTable('webhook_deliveries')
    .set({ state: 'pending', next_attempt_at: now, finished_at: null })
    .where('subscription_id', '=', subscriptionId)
  u = 'id' in q ? u.where('id', '=', q.id).where('state', 'in', [...LISTED]) : u.where('created_at', '>=', q.since)
  await u.execute()
}
