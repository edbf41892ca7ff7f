// What a member's admin does with its endpoints' deliveries: list them and their attempts, send a
// test ping, replay one delivery or everything since a time (rendered afresh under the policy then).
import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import { appendAudit } from '../audit/audit.repository.js'
import type { Principal } from '../auth/principal.js'
import type { DB } from '../db/schema.js'
import { errors } from '../errors.js'
import {
  type AttemptRow,
  type DeliveryRow,
  findListedDelivery,
  listAttempts,
  listDeliveries,
  requeue,
} from './delivery-admin.repository.js'
import { insertPing } from './delivery.repository.js'
import { ownSubscription } from './subscription.service.js'

export const MAX_DELIVERIES = 100
const STATES = ['pending', 'delivered', 'dead'] as const
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Wakes the delivery worker of this instance (others are woken by the database). */
export interface WakeDeps {
  now: Date
  wakeDeliveries: () => void
}

const audited = (db: Kysely<DB>, p: Principal, action: string, subscription: string, at: Date, details: Record<string, unknown> = {}) =>
  appendAudit(db, { at, actor: { kind: 'member', member: p.member, actor: p.actor }, action, subject: `webhook:${subscription}`, details })

export async function pingSubscription(db: Kysely<DB>, deps: WakeDeps, p: Principal, id: string): Promise<{ delivery: string }> {
  const s = await ownSubscription(db, p, id)
  const delivery = randomUUID()
  await db.transaction().execute(async (trx) => {
    await insertPing(trx, s.id, delivery, deps.now)
    await audited(trx, p, 'webhook.ping', s.id, deps.now, { delivery })
  })
  deps.wakeDeliveries()
  return { delivery }
}

const cursorOf = (d: DeliveryRow) => Buffer.from(`${d.createdAt.toISOString()}|${d.id}`).toString('base64url')

function openCursor(raw: string | undefined): { createdAt: Date; id: string } | undefined {
  if (raw === undefined) return undefined
  const [at, id] = Buffer.from(raw, 'base64url').toString('utf8').split('|')
  const createdAt = new Date(at ?? '')
  if (Number.isNaN(createdAt.getTime()) || !UUID.test(id ?? ''))
    throw errors.validation('after is not a cursor this gateway gave', [{ pointer: '/after', detail: 'invalid cursor' }])
  return { createdAt, id: id! }
}

/** Newest first, in pages; suppressed deliveries are not the member's to see. */
export async function deliveriesOf(
  db: Kysely<DB>,
  p: Principal,
  id: string,
  q: { state?: string; after?: string; limit?: number },
): Promise<{ items: DeliveryRow[]; next: string | null }> {
  const s = await ownSubscription(db, p, id)
  const limit = q.limit ?? 50
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DELIVERIES)
    throw errors.validation(`limit must be 1 to ${MAX_DELIVERIES}`, [{ pointer: '/limit', detail: `1 to ${MAX_DELIVERIES}` }])
  if (q.state !== undefined && !(STATES as readonly string[]).includes(q.state))
    throw errors.validation('state is pending, delivered or dead', [{ pointer: '/state', detail: STATES.join(', ') }])
  const before = openCursor(q.after)
  const rows = await listDeliveries(db, s.id, {
    ...(q.state ? { state: q.state as DeliveryRow['state'] } : {}),
    ...(before ? { before } : {}),
    limit: limit + 1,
  })
  const items = rows.slice(0, limit)
  return { items, next: rows.length > limit ? cursorOf(items[items.length - 1]!) : null }
}

async function listedDelivery(db: Kysely<DB>, p: Principal, id: string, deliveryId: string) {
  const s = await ownSubscription(db, p, id)
  const d = UUID.test(deliveryId) ? await findListedDelivery(db, s.id, deliveryId.toLowerCase()) : undefined
  if (!d) throw errors.notFound('webhook delivery')
  return { s, d }
}

export async function attemptsOf(
  db: Kysely<DB>,
  p: Principal,
  id: string,
  deliveryId: string,
): Promise<{ delivery: DeliveryRow; attempts: AttemptRow[] }> {
  const { d } = await listedDelivery(db, p, id, deliveryId)
  return { delivery: d, attempts: await listAttempts(db, d.id) }
}

export async function replayDelivery(db: Kysely<DB>, deps: WakeDeps, p: Principal, id: string, deliveryId: string): Promise<void> {
  const { s, d } = await listedDelivery(db, p, id, deliveryId)
  await db.transaction().execute(async (trx) => {
    await requeue(trx, s.id, { id: d.id }, deps.now)
    await audited(trx, p, 'webhook.replayed', s.id, deps.now, { delivery: d.id })
  })
  deps.wakeDeliveries()
}

/** Everything delivered to this endpoint since `since` is due again; nothing says how much that is. */
export async function replaySince(db: Kysely<DB>, deps: WakeDeps, p: Principal, id: string, since: unknown): Promise<void> {
  const s = await ownSubscription(db, p, id)
  const at = typeof since === 'string' ? new Date(since) : new Date(Number.NaN)
  if (typeof since !== 'string' || Number.isNaN(at.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(since))
    throw errors.validation('since is an RFC 3339 date-time', [{ pointer: '/since', detail: 'a date-time' }])
  await db.transaction().execute(async (trx) => {
    await requeue(trx, s.id, { since: at }, deps.now)
    await audited(trx, p, 'webhook.replayed', s.id, deps.now, { since: at.toISOString() })
  })
  deps.wakeDeliveries()
}
