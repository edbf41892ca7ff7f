// Webhook subscriptions in the database: always looked up within one member, so another member's
// subscription is indistinguishable from one that does not exist.
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely'
import type { DB, WebhookSubscriptionsTable } from '../db/schema.js'
import type { WebhookFilter } from './subscription.filter.js'

type Db = Kysely<DB> | Transaction<DB>

export type SubscriptionState = 'active' | 'paused' | 'disabled'

export interface Subscription {
  id: string
  member: string
  url: string
  description: string
  actor: string
  roles: string[]
  purpose: string
  filter: WebhookFilter
  secretSealed: string
  previousSecretSealed: string | null
  previousUntil: Date | null
  state: SubscriptionState
  disabledReason: string | null
  failingSince: Date | null
  createdBy: string
  createdAt: Date
  updatedAt: Date
}

export const toSubscription = (r: Selectable<WebhookSubscriptionsTable>): Subscription => ({
  id: r.id,
  member: r.member,
  url: r.url,
  description: r.description,
  actor: r.actor,
  roles: r.roles,
  purpose: r.purpose,
  filter: r.filter as WebhookFilter,
  secretSealed: r.secret_sealed,
  previousSecretSealed: r.previous_secret_sealed,
  previousUntil: r.previous_until,
  state: r.state,
  disabledReason: r.disabled_reason,
  failingSince: r.failing_since,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

export type NewSubscription = Pick<
  Subscription,
  'id' | 'member' | 'url' | 'description' | 'actor' | 'roles' | 'purpose' | 'filter' | 'secretSealed' | 'createdBy'
> & { at: Date }

/** The member's last readable feed row, in feed order (both columns read in one statement's snapshot). */
const lastVisible = (member: string) =>
  sql`from events where member = ${member} and txid < pg_snapshot_xmin(pg_current_snapshot()) order by txid desc, seq desc limit 1`

/**
 * Inserts a subscription that starts at the end of its member's feed as it stands (rows a running
 * transaction has yet to commit come after it): it delivers what happens from now on.
 */
export async function insertSubscription(db: Db, s: NewSubscription): Promise<Subscription> {
  const row = await db
    .insertInto('webhook_subscriptions')
    .values({
      id: s.id,
      member: s.member,
      url: s.url,
      description: s.description,
      actor: s.actor,
      roles: sql<string[]>`${s.roles}::text[]`,
      purpose: s.purpose,
      filter: JSON.stringify(s.filter),
      secret_sealed: s.secretSealed,
      state: 'active',
      feed_txid: sql<string>`coalesce((select txid ${lastVisible(s.member)}), '0'::xid8)`,
      feed_seq: sql<string>`coalesce((select seq ${lastVisible(s.member)}), 0)`,
      created_by: s.createdBy,
      created_at: s.at,
      updated_at: s.at,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return toSubscription(row)
}

export async function countSubscriptions(db: Db, member: string): Promise<number> {
  const r = await db
    .selectFrom('webhook_subscriptions')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('member', '=', member)
    .executeTakeFirstOrThrow()
  return Number(r.n)
}

export async function findSubscription(db: Db, member: string, id: string, forUpdate = false): Promise<Subscription | undefined> {
  let q = db.selectFrom('webhook_subscriptions').selectAll().where('member', '=', member).where('id', '=', id)
  if (forUpdate) q = q.forUpdate()
  const row = await q.executeTakeFirst()
  return row && toSubscription(row)
}

export async function listSubscriptions(db: Db, member: string): Promise<Subscription[]> {
  const rows = await db
    .selectFrom('webhook_subscriptions')
    .selectAll()
    .where('member', '=', member)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  return rows.map(toSubscription)
}

export interface SubscriptionChanges {
  url?: string
  description?: string
  actor?: string
  roles?: string[]
  purpose?: string
  filter?: WebhookFilter
  state?: SubscriptionState
  disabledReason?: string | null
  failingSince?: Date | null
  secretSealed?: string
  previousSecretSealed?: string | null
  previousUntil?: Date | null
}

export async function updateSubscription(db: Db, id: string, c: SubscriptionChanges, at: Date): Promise<Subscription> {
  const row = await db
    .updateTable('webhook_subscriptions')
    .set({
      ...(c.url !== undefined ? { url: c.url } : {}),
      ...(c.description !== undefined ? { description: c.description } : {}),
      ...(c.actor !== undefined ? { actor: c.actor } : {}),
      ...(c.roles !== undefined ? { roles: sql<string[]>`${c.roles}::text[]` } : {}),
      ...(c.purpose !== undefined ? { purpose: c.purpose } : {}),
      ...(c.filter !== undefined ? { filter: JSON.stringify(c.filter) } : {}),
      ...(c.state !== undefined ? { state: c.state } : {}),
      ...(c.disabledReason !== undefined ? { disabled_reason: c.disabledReason } : {}),
      ...(c.failingSince !== undefined ? { failing_since: c.failingSince } : {}),
      ...(c.secretSealed !== undefined ? { secret_sealed: c.secretSealed } : {}),
      ...(c.previousSecretSealed !== undefined ? { previous_secret_sealed: c.previousSecretSealed } : {}),
      ...(c.previousUntil !== undefined ? { previous_until: c.previousUntil } : {}),
      updated_at: at,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow()
  return toSubscription(row)
}

export async function deleteSubscription(db: Db, id: string): Promise<void> {
  await db.deleteFrom('webhook_subscriptions').where('id', '=', id).execute()
}

/** For workers only (a delivery names its subscription): never reachable from a member's request. */
export async function findSubscriptionById(db: Db, id: string, forUpdate = false): Promise<Subscription | undefined> {
  let q = db.selectFrom('webhook_subscriptions').selectAll().where('id', '=', id)
  if (forUpdate) q = q.forUpdate()
  const row = await q.executeTakeFirst()
  return row && toSubscription(row)
}
