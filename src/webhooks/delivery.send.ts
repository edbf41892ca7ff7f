// One claimed delivery, sent: the event rendered afresh for the subscription's principal (its member's
// current policy, grants and status), filtered on what that rendering shows, signed, posted through
// the SSRF-safe outbound client, and its attempt and new state written in one transaction.
import type { Kysely } from 'kysely'
import type { GatewaySecret } from '../auth/gateway-secret.js'
import type { Principal, Role } from '../auth/principal.js'
import type { DB } from '../db/schema.js'
import { decideRecords } from '../disclosure/release.js'
import { findSelectorFields } from '../leads/lead.repository.js'
import { findMember } from '../members/member.repository.js'
import type { ReadableRecord } from '../records/record.repository.js'
import { type ClaimedDelivery, releaseClaim } from './delivery.repository.js'
import { finishSend, type SendResult } from './delivery.finish.js'
import { findEvent } from './event.repository.js'
import { chooseEvents, type FeedEvent, type RenderDeps, renderEvents, type ShownEvent } from './event.render.js'
import type { Outbound } from './outbound.js'
import { filterMatches, type ShownAttributes } from './subscription.filter.js'
import { findSubscriptionById, type Subscription } from './subscription.repository.js'
import { messageId, signedHeaders } from './webhook-signing.js'

export interface SendDeps extends RenderDeps {
  secret: GatewaySecret
  outbound: Outbound
  timeoutMs: number
  /** Where suppressions are recorded: the operator's log, never the member's attempt list. */
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void }
}

/** The principal a subscription acts as: set by the admin who created it, never more than analyst/coordinator. */
export const subscriptionPrincipal = (s: Subscription): Principal => ({
  member: s.member,
  actor: s.actor,
  roles: s.roles as Role[],
  purpose: s.purpose,
  tokenId: `webhook:${s.id}`,
  keyId: '',
  expiresAt: new Date(8.64e15),
})

/** What a rendered event shows of its record (the only attributes a filter may test). */
export function shownAttributes(c: ShownEvent): ShownAttributes {
  const type = c.row.type
  if (!type.startsWith('record.')) return { type }
  const [, originator] = c.row.subject.split(':')
  if (!c.rec) return { type, record: { originator } }
  const { rec } = c
  return c.visibility === 'disclose'
    ? { type, record: { type: rec.type, originator: rec.originator, grading: rec.grading, marking: rec.marking } }
    : { type, record: { type: rec.type, originator: rec.originator, grading: rec.grading } }
}

/**
 * Whether `rec` holds one of `selectors` in a field `p` may discover (disclosed or named as
 * withheld): a selector filter is a standing lookup, so it never matches a value `p` could not find.
 */
async function holdsSelector(
  db: Kysely<DB>,
  deps: SendDeps,
  p: Principal,
  rec: ReadableRecord,
  selectors: ReadonlyArray<{ kind: string; value: string }>,
): Promise<boolean> {
  const [d] = await decideRecords(deps, p, [rec], 'mark')
  const fields = new Set([...(d?.disclose ?? []), ...(d?.discover ?? [])])
  const held = await findSelectorFields(db, rec, selectors)
  return held.some((f) => fields.has(f))
}

/** The payload of one delivery for `sub` now, or why nothing is sent. */
async function render(db: Kysely<DB>, deps: SendDeps, sub: Subscription, claim: ClaimedDelivery): Promise<FeedEvent | string> {
  if (claim.eventId === null)
    return {
      id: claim.id,
      type: 'webhook.ping',
      subject: `webhook:${sub.id}`,
      data: { subscription: sub.id },
      createdAt: claim.createdAt.toISOString(),
    }
  const row = await findEvent(db, sub.member, claim.eventId)
  if (!row) return 'event gone'
  const p = subscriptionPrincipal(sub)
  const [chosen] = await chooseEvents(deps, p, [row])
  if (!chosen) return 'not visible'
  const shown = shownAttributes(chosen)
  if (sub.filter.selectors && chosen.rec) shown.selectorMatch = await holdsSelector(db, deps, p, chosen.rec, sub.filter.selectors)
  if (!filterMatches(sub.filter, shown)) return 'filtered'
  const [event] = await renderEvents(deps, p, [chosen], 'webhook')
  return event ?? 'not visible'
}

export async function sendDelivery(db: Kysely<DB>, deps: SendDeps, claim: ClaimedDelivery): Promise<void> {
  const sub = await findSubscriptionById(db, claim.subscriptionId)
  const member = sub && (await findMember(db, sub.member))
  // Paused, disabled or suspended since the claim: give it back untried.
  if (!sub || sub.state !== 'active' || member?.status !== 'active') return releaseClaim(db, claim.id)
  const now = deps.now
  const event = await render(db, deps, sub, claim)
  if (typeof event === 'string') {
    deps.log.info({ subscription: sub.id, delivery: claim.id, member: sub.member, reason: event }, 'webhook delivery suppressed')
    return finishSend(db, sub, claim, { kind: 'suppressed' }, now)
  }
  const body = JSON.stringify({ type: event.type, timestamp: now.toISOString(), data: event })
  const secrets = [deps.secret.open('webhook-secret', sub.secretSealed)]
  if (sub.previousSecretSealed && sub.previousUntil && sub.previousUntil > now)
    secrets.push(deps.secret.open('webhook-secret', sub.previousSecretSealed))
  const usable = secrets.filter((s): s is string => s !== null)
  if (usable.length === 0) {
    deps.log.warn({ subscription: sub.id }, 'webhook secret does not open under GATEWAY_SECRET_KEYS; delivery held')
    return releaseClaim(db, claim.id)
  }
  const headers = { ...signedHeaders(usable, messageId(claim.id), now, body), 'user-agent': 'ICACN-Exchange-Webhooks/1' }
  const result: SendResult = await deps.outbound.post({ url: sub.url, headers, body, timeoutMs: deps.timeoutMs })
  await finishSend(db, sub, claim, { kind: 'sent', result }, now)
}
