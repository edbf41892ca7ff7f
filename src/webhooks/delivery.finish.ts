// What one send means for its delivery and its endpoint: delivered; retried later with back-off;
// dead-lettered after the last try; the endpoint disabled at once on 410 Gone or after failing for
// 5 days, its owner told by an event. The decision is pure; it is written in one transaction.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { type AttemptRecord, type ClaimedDelivery, type DeliveryOutcome, finishDelivery } from './delivery.repository.js'
import { failingTooLong, nextAttemptAt } from './delivery.schedule.js'
import { appendEvents } from './event.repository.js'
import type { OutboundResult } from './outbound.js'
import { findSubscriptionById, type Subscription, updateSubscription } from './subscription.repository.js'

export type SendResult = OutboundResult
export type Sent = { kind: 'sent'; result: SendResult } | { kind: 'suppressed' }

export interface Verdict {
  outcome: DeliveryOutcome
  /** The endpoint's failing_since after this send (null: healthy). */
  failingSince: Date | null
  disable?: 'gone' | 'failing'
}

/** Pure: the verdict on one send, given how many tries (this one included) and since when the endpoint fails. */
export function judge(sent: Sent, attempts: number, failingSince: Date | null, now: Date, random = Math.random): Verdict {
  if (sent.kind === 'suppressed') return { outcome: { state: 'suppressed' }, failingSince }
  const r = sent.result
  if (r.ok) return { outcome: { state: 'delivered' }, failingSince: null }
  const since = failingSince ?? now
  // 410: the receiver says it is gone; the delivery stays due for when the endpoint is resumed.
  if (r.status === 410) return { outcome: { state: 'pending', nextAttemptAt: now }, failingSince: since, disable: 'gone' }
  const next = nextAttemptAt(attempts, now, random)
  const outcome: DeliveryOutcome = next ? { state: 'pending', nextAttemptAt: next } : { state: 'dead' }
  return failingTooLong(since, now) ? { outcome, failingSince: since, disable: 'failing' } : { outcome, failingSince: since }
}

const attemptOf = (r: SendResult, at: Date): AttemptRecord => ({
  at,
  status: r.status ?? null,
  latencyMs: Math.round(r.latencyMs),
  error: r.ok ? null : r.error,
  excerpt: r.excerpt ? r.excerpt.slice(0, 1024) : null,
})

export async function finishSend(db: Kysely<DB>, sub: Subscription, claim: ClaimedDelivery, sent: Sent, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const current = await findSubscriptionById(trx, sub.id, true)
    const v = judge(sent, claim.attempts, current?.failingSince ?? null, now)
    await finishDelivery(trx, claim.id, v.outcome, sent.kind === 'sent' ? attemptOf(sent.result, now) : null, now)
    if (!current || sent.kind === 'suppressed') return
    const disable = v.disable && current.state !== 'disabled' ? v.disable : undefined
    if (disable) {
      await updateSubscription(trx, sub.id, { state: 'disabled', disabledReason: disable, failingSince: v.failingSince }, now)
      await appendEvents(trx, {
        member: sub.member,
        type: 'webhook.disabled',
        subject: `webhook:${sub.id}`,
        data: { subscription: sub.id, reason: disable },
        at: now,
      })
    } else if ((current.failingSince?.getTime() ?? null) !== (v.failingSince?.getTime() ?? null))
      await updateSubscription(trx, sub.id, { failingSince: v.failingSince }, now)
  })
}
