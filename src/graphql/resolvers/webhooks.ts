// Webhook subscriptions, deliveries, pings and replays over GraphQL: thin calls into the services
// REST /v1/webhooks uses, which check the admin role, ownership and input, and audit.
import type { MercuriusContext } from 'mercurius'
import type { AppServices } from '../../app.js'
import { principalOf } from '../../auth/plugin.js'
import { AppError } from '../../errors.js'
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
import type { Subscription } from '../../webhooks/subscription.repository.js'
import { attemptView, deliveryView, subscriptionView } from '../../webhooks/webhook.view.js'
import { nullIfNotFound } from './records.js'

type Ctx = MercuriusContext
type Fields = Record<string, unknown>
type Input = Fields & { filter?: Fields | null }
type Id = { id: string }
type DeliveryRef = { webhookId: string; deliveryId: string }

// GraphQL gives an optional field left out as absent but a written `null` as null; REST's body has
// no nulls (the contract refuses them), and the services read a present null as a value to set.
const given = (o: Fields): Fields => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined))
const bodyOf = (input: Input): SubscriptionInput & { state?: unknown } => {
  const { filter, ...rest } = given(input) as Input
  if (!filter) return rest
  const { selectors, ...f } = given(filter) as Fields & { selectors?: Fields[] }
  return { ...rest, filter: { ...f, ...(selectors ? { selectors: selectors.map(given) } : {}) } }
}

/** The services point into REST's request body; in GraphQL that body is the argument `arg`. */
async function within<T>(arg: string, work: Promise<T>): Promise<T> {
  try {
    return await work
  } catch (e) {
    if (!(e instanceof AppError) || !e.errors) throw e
    throw new AppError(
      e.code,
      e.message,
      e.errors.map((f) => ({ ...f, pointer: `/${arg}${f.pointer}` })),
    )
  }
}

export function webhookResolvers(deps: () => AppServices) {
  const who = (ctx: Ctx) => principalOf(ctx.reply.request)
  // As REST: an answer carrying a secret is stored by no cache (RFC 9111 §5.2.2.5).
  const withSecret = (ctx: Ctx, r: { subscription: Subscription; secret: string }, now: Date) => {
    ctx.reply.header('cache-control', 'no-store')
    return { subscription: subscriptionView(r.subscription, now), secret: r.secret }
  }
  return {
    Query: {
      async webhooks(_: unknown, __: unknown, ctx: Ctx) {
        const now = deps().now
        return (await listOwnSubscriptions(ctx.app.db, who(ctx))).map((s) => subscriptionView(s, now))
      },
      webhook: (_: unknown, args: Id, ctx: Ctx) =>
        nullIfNotFound(
          getSubscription(ctx.app.db, who(ctx), args.id).then((s) => subscriptionView(s, deps().now)),
          'NOT_FOUND',
        ),
      async webhookDeliveries(
        _: unknown,
        args: { webhookId: string; state?: string | null; after?: string | null; limit: number },
        ctx: Ctx,
      ) {
        const q = { limit: args.limit, ...(args.state ? { state: args.state } : {}), ...(args.after != null ? { after: args.after } : {}) }
        const page = await deliveriesOf(ctx.app.db, who(ctx), args.webhookId, q)
        return { items: page.items.map(deliveryView), next: page.next }
      },
      webhookDelivery: (_: unknown, args: DeliveryRef, ctx: Ctx) =>
        nullIfNotFound(
          attemptsOf(ctx.app.db, who(ctx), args.webhookId, args.deliveryId).then((r) => ({
            delivery: deliveryView(r.delivery),
            attempts: r.attempts.map(attemptView),
          })),
          'NOT_FOUND',
        ),
    },
    Mutation: {
      async createWebhook(_: unknown, args: { input: Input }, ctx: Ctx) {
        const d = deps()
        return withSecret(ctx, await within('input', createSubscription(ctx.app.db, d, who(ctx), bodyOf(args.input))), d.now)
      },
      async updateWebhook(_: unknown, args: Id & { change: Input }, ctx: Ctx) {
        const d = deps()
        const s = await within('change', changeSubscription(ctx.app.db, d, who(ctx), args.id, bodyOf(args.change)))
        if (s.state === 'active') d.wakeDeliveries()
        return subscriptionView(s, d.now)
      },
      async deleteWebhook(_: unknown, args: Id, ctx: Ctx) {
        await removeSubscription(ctx.app.db, deps(), who(ctx), args.id)
        return true
      },
      async rotateWebhookSecret(_: unknown, args: Id, ctx: Ctx) {
        const d = deps()
        return withSecret(ctx, await rotateSecret(ctx.app.db, d, who(ctx), args.id), d.now)
      },
      pingWebhook: async (_: unknown, args: Id, ctx: Ctx) => (await pingSubscription(ctx.app.db, deps(), who(ctx), args.id)).delivery,
      async replayWebhookDelivery(_: unknown, args: DeliveryRef, ctx: Ctx) {
        await replayDelivery(ctx.app.db, deps(), who(ctx), args.webhookId, args.deliveryId)
        return true
      },
      async replayWebhook(_: unknown, args: Id & { since: Date }, ctx: Ctx) {
        await replaySince(ctx.app.db, deps(), who(ctx), args.id, args.since.toISOString())
        return true
      },
    },
  }
}
