// The outward shape of webhook subscriptions, deliveries and attempts, shared by REST and GraphQL so
// both say the same thing. The signing secret is never part of a view: it is shown once, by its caller.
import type { components } from '@icacn/sdk/contract'
import type { AttemptRow, DeliveryRow } from './delivery-admin.repository.js'
import type { Subscription } from './subscription.repository.js'
import { messageId } from './webhook-signing.js'

type S = components['schemas']

export const subscriptionView = (s: Subscription, now: Date): S['WebhookSubscription'] => ({
  id: s.id,
  url: s.url,
  description: s.description,
  actor: s.actor,
  roles: s.roles as S['WebhookSubscription']['roles'],
  purpose: s.purpose,
  filter: s.filter as S['WebhookFilter'],
  state: s.state,
  disabledReason: s.disabledReason as S['WebhookSubscription']['disabledReason'],
  previousSecretUntil: s.previousUntil && s.previousUntil > now ? s.previousUntil.toISOString() : null,
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt.toISOString(),
})

export const deliveryView = (d: DeliveryRow): S['WebhookDelivery'] => ({
  id: d.id,
  webhookId: messageId(d.id),
  eventId: d.eventId,
  eventType: d.eventType,
  state: d.state,
  attempts: d.attempts,
  nextAttemptAt: d.state === 'pending' ? d.nextAttemptAt.toISOString() : null,
  createdAt: d.createdAt.toISOString(),
  finishedAt: d.finishedAt?.toISOString() ?? null,
})

export const attemptView = (a: AttemptRow): S['WebhookAttempt'] => ({
  at: a.at.toISOString(),
  status: a.status,
  latencyMs: a.latencyMs,
  error: a.error,
  excerpt: a.excerpt,
})
