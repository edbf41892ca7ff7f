// A member's webhook subscriptions, their deliveries and attempts, pings and replays (admin only).
// Thin: the services check roles, ownership and input, and audit.
import type { FastifyInstance } from 'fastify'
import type { AppServices } from '../../app.js'
import { principalOf } from '../../auth/plugin.js'
import { attemptsOf, deliveriesOf, pingSubscription, replayDelivery, replaySince } from '../../webhooks/delivery.service.js'
import {
  changeSubscription,
  createSubscription,
  getSubscription,
  listOwnSubscriptions,
  removeSubscription,
  rotateSecret,
  type SubscriptionInput,
} from '../../webhooks/subscription.service.js'
import { attemptView, deliveryView, subscriptionView } from '../../webhooks/webhook.view.js'
import type { Contract } from '../contract.js'

export interface WebhookRouteOptions {
  contract: Contract
  deps: () => AppServices
}

type Id = { Params: { webhookId: string } }

export default async function webhookRoutes(app: FastifyInstance, opts: WebhookRouteOptions): Promise<void> {
  const { contract, deps } = opts
  app.route({
    ...contract.route('listWebhooks'),
    handler: async (request) => {
      const now = deps().now
      return { items: (await listOwnSubscriptions(app.db, principalOf(request))).map((s) => subscriptionView(s, now)) }
    },
  })
  app.route<{ Body: SubscriptionInput }>({
    ...contract.route('createWebhook'),
    handler: async (request, reply) => {
      const d = deps()
      const { subscription, secret } = await createSubscription(app.db, d, principalOf(request), request.body)
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ ...subscriptionView(subscription, d.now), secret })
    },
  })
  app.route<Id>({
    ...contract.route('getWebhook'),
    handler: async (request) => subscriptionView(await getSubscription(app.db, principalOf(request), request.params.webhookId), deps().now),
  })
  app.route<Id & { Body: SubscriptionInput & { state?: string } }>({
    ...contract.route('updateWebhook'),
    handler: async (request) => {
      const d = deps()
      const s = await changeSubscription(app.db, d, principalOf(request), request.params.webhookId, request.body)
      if (s.state === 'active') d.wakeDeliveries()
      return subscriptionView(s, d.now)
    },
  })
  app.route<Id>({
    ...contract.route('deleteWebhook'),
    handler: async (request, reply) => {
      await removeSubscription(app.db, deps(), principalOf(request), request.params.webhookId)
      return reply.code(204).send()
    },
  })
  app.route<Id>({
    ...contract.route('rotateWebhookSecret'),
    handler: async (request, reply) => {
      const d = deps()
      const { subscription, secret } = await rotateSecret(app.db, d, principalOf(request), request.params.webhookId)
      return reply.header('cache-control', 'no-store').send({ ...subscriptionView(subscription, d.now), secret })
    },
  })
  app.route<Id>({
    ...contract.route('pingWebhook'),
    handler: async (request, reply) =>
      reply.code(202).send(await pingSubscription(app.db, deps(), principalOf(request), request.params.webhookId)),
  })
  app.route<Id & { Body: { since: string } }>({
    ...contract.route('replayWebhook'),
    handler: async (request, reply) => {
      await replaySince(app.db, deps(), principalOf(request), request.params.webhookId, request.body.since)
      return reply.code(202).send()
    },
  })
  app.route<Id & { Querystring: { state?: string; after?: string; limit?: number } }>({
    ...contract.route('listWebhookDeliveries'),
    handler: async (request) => {
      const page = await deliveriesOf(app.db, principalOf(request), request.params.webhookId, request.query)
      return { items: page.items.map(deliveryView), next: page.next }
    },
  })
  app.route<{ Params: { webhookId: string; deliveryId: string } }>({
    ...contract.route('getWebhookDelivery'),
    handler: async (request) => {
      const r = await attemptsOf(app.db, principalOf(request), request.params.webhookId, request.params.deliveryId)
      return { delivery: deliveryView(r.delivery), attempts: r.attempts.map(attemptView) }
    },
  })
  app.route<{ Params: { webhookId: string; deliveryId: string } }>({
    ...contract.route('replayWebhookDelivery'),
    handler: async (request, reply) => {
      await replayDelivery(app.db, deps(), principalOf(request), request.params.webhookId, request.params.deliveryId)
      return reply.code(202).send()
    },
  })
}
