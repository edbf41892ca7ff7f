// A member's webhook subscriptions: only its admin manages them; another member's is a 404 like a
// missing one. The signing secret is generated here, shown once, and stored sealed; rotating keeps
// the old one signing for 24 h. Every change is audited with the change in one transaction.
import { randomUUID } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import { appendAudit } from '../audit/audit.repository.js'
import type { GatewaySecret } from '../auth/gateway-secret.js'
import { parseActor, parsePurpose, type Principal, requireRole } from '../auth/principal.js'
import type { DB } from '../db/schema.js'
import { errors } from '../errors.js'
import { normaliseQuery } from '../leads/lead.service.js'
import type { LookupQuota } from '../leads/lookup-quota.js'
import { checkWebhookUrl, type OutboundPolicy } from './outbound.js'
import { type FilterVocabulary, parseFilter } from './subscription.filter.js'
import {
  countSubscriptions,
  deleteSubscription,
  findSubscription,
  insertSubscription,
  listSubscriptions,
  type Subscription,
  type SubscriptionChanges,
  updateSubscription,
} from './subscription.repository.js'
import { generateSecret } from './webhook-signing.js'

export interface SubscriptionDeps extends Omit<FilterVocabulary, 'normalise'> {
  secret: GatewaySecret
  outboundPolicy: OutboundPolicy
  /** A selector filter is a standing lookup: each selector set counts against the daily lookup quota. */
  leadQuota: LookupQuota
  now: Date
}

export const MAX_SUBSCRIPTIONS = 20
export const ROTATION_OVERLAP_MS = 24 * 3600 * 1000
const SUBSCRIBER_ROLES = ['analyst', 'coordinator'] as const
const tooMany = () => errors.validation(`a member has at most ${MAX_SUBSCRIPTIONS} webhook subscriptions`)

export interface SubscriptionInput {
  url?: unknown
  description?: unknown
  actor?: unknown
  roles?: unknown
  purpose?: unknown
  filter?: unknown
}

/** The request's fields as changes (all required on create); refusals point into the body. */
async function changesFrom(
  deps: SubscriptionDeps,
  p: Principal,
  input: SubscriptionInput,
  creating: boolean,
): Promise<SubscriptionChanges> {
  const c: SubscriptionChanges = {}
  if (creating || input.url !== undefined) {
    if (typeof input.url !== 'string') throw errors.validation('url is required', [{ pointer: '/url', detail: 'an https URL' }])
    c.url = checkWebhookUrl(input.url, deps.outboundPolicy).href
  }
  if (input.description !== undefined) {
    if (typeof input.description !== 'string' || input.description.length > 500)
      throw errors.validation('description is at most 500 characters', [
        { pointer: '/description', detail: 'a string of at most 500 characters' },
      ])
    c.description = input.description
  }
  if (input.actor !== undefined) c.actor = parseActor(input.actor)
  if (creating || input.roles !== undefined) {
    const roles = input.roles ?? ['analyst']
    if (!Array.isArray(roles) || roles.length === 0 || roles.some((r) => !(SUBSCRIBER_ROLES as readonly unknown[]).includes(r)))
      throw errors.validation('roles are analyst and/or coordinator', [
        { pointer: '/roles', detail: 'a non-empty subset of analyst, coordinator' },
      ])
    c.roles = [...new Set(roles as string[])]
  }
  if (creating || input.purpose !== undefined) {
    const purpose = parsePurpose(input.purpose)
    if (purpose === null)
      throw errors.validation('purpose is required', [{ pointer: '/purpose', detail: 'investigation, analysis or prosecution' }])
    c.purpose = purpose
  }
  if (creating || input.filter !== undefined) {
    const normalise = (selector: string, kind?: string) => normaliseQuery(p, { selector, kind })
    c.filter = parseFilter(input.filter, { types: deps.types, memberCodes: deps.memberCodes, normalise })
    const n = c.filter.selectors?.length ?? 0
    if (n > 0 && !(await deps.leadQuota.consume(p.member, n, deps.now))) throw errors.lookupQuotaExceeded(deps.leadQuota.limit)
  }
  return c
}

const audit = (db: Transaction<DB>, p: Principal, action: string, s: Subscription, at: Date, details: Record<string, unknown> = {}) =>
  appendAudit(db, { at, actor: { kind: 'member', member: p.member, actor: p.actor }, action, subject: `webhook:${s.id}`, details })

/** The caller's subscription, or NOT_FOUND exactly as for one that does not exist. */
async function own(db: Kysely<DB> | Transaction<DB>, p: Principal, id: string, forUpdate = false): Promise<Subscription> {
  requireRole(p, 'admin')
  const s = /^[0-9a-f-]{36}$/i.test(id) ? await findSubscription(db, p.member, id.toLowerCase(), forUpdate) : undefined
  if (!s) throw errors.notFound('webhook subscription')
  return s
}

export async function createSubscription(
  db: Kysely<DB>,
  deps: SubscriptionDeps,
  p: Principal,
  input: SubscriptionInput,
): Promise<{ subscription: Subscription; secret: string }> {
  requireRole(p, 'admin')
  if ((await countSubscriptions(db, p.member)) >= MAX_SUBSCRIPTIONS) throw tooMany()
  const c = await changesFrom(deps, p, input, true)
  const secret = generateSecret()
  const subscription = await db.transaction().execute(async (trx) => {
    if ((await countSubscriptions(trx, p.member)) >= MAX_SUBSCRIPTIONS) throw tooMany()
    const s = await insertSubscription(trx, {
      id: randomUUID(),
      member: p.member,
      url: c.url!,
      description: c.description ?? '',
      actor: c.actor ?? p.actor,
      roles: c.roles!,
      purpose: c.purpose!,
      filter: c.filter!,
      secretSealed: deps.secret.seal('webhook-secret', secret),
      createdBy: p.actor,
      at: deps.now,
    })
    await audit(trx, p, 'webhook.created', s, deps.now, { url: s.url, purpose: s.purpose, roles: s.roles, filter: s.filter })
    return s
  })
  return { subscription, secret }
}

export const getSubscription = (db: Kysely<DB>, p: Principal, id: string): Promise<Subscription> => own(db, p, id)

export async function listOwnSubscriptions(db: Kysely<DB>, p: Principal): Promise<Subscription[]> {
  requireRole(p, 'admin')
  return listSubscriptions(db, p.member)
}

/** Changes what is given; `state` pauses or resumes (a resume also re-enables a disabled endpoint). */
export async function changeSubscription(
  db: Kysely<DB>,
  deps: SubscriptionDeps,
  p: Principal,
  id: string,
  input: SubscriptionInput & { state?: unknown },
): Promise<Subscription> {
  // Owned first: a refused change must not spend the lookup quota a selector filter counts against.
  await own(db, p, id)
  const c = await changesFrom(deps, p, input, false)
  if (input.state !== undefined) {
    if (input.state !== 'active' && input.state !== 'paused')
      throw errors.validation('state is active or paused', [{ pointer: '/state', detail: 'active or paused' }])
    Object.assign(c, { state: input.state, disabledReason: null }, input.state === 'active' ? { failingSince: null } : {})
  }
  return db.transaction().execute(async (trx) => {
    const s = await own(trx, p, id, true)
    const updated = await updateSubscription(trx, s.id, c, deps.now)
    await audit(trx, p, 'webhook.updated', updated, deps.now, { changed: Object.keys(c) })
    return updated
  })
}

export async function removeSubscription(db: Kysely<DB>, deps: { now: Date }, p: Principal, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const s = await own(trx, p, id, true)
    await deleteSubscription(trx, s.id)
    await audit(trx, p, 'webhook.deleted', s, deps.now)
  })
}

/** A new secret, shown once; the previous one keeps signing (alongside) for 24 hours. */
export async function rotateSecret(
  db: Kysely<DB>,
  deps: SubscriptionDeps,
  p: Principal,
  id: string,
): Promise<{ subscription: Subscription; secret: string }> {
  const secret = generateSecret()
  const subscription = await db.transaction().execute(async (trx) => {
    const s = await own(trx, p, id, true)
    const updated = await updateSubscription(
      trx,
      s.id,
      {
        secretSealed: deps.secret.seal('webhook-secret', secret),
        previousSecretSealed: s.secretSealed,
        previousUntil: new Date(deps.now.getTime() + ROTATION_OVERLAP_MS),
      },
      deps.now,
    )
    await audit(trx, p, 'webhook.secret-rotated', updated, deps.now)
    return updated
  })
  return { subscription, secret }
}

export { own as ownSubscription }
