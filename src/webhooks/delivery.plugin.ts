// Runs webhook delivery on this instance: the worker starts when the app is ready and stops before
// the database closes. The event bell rings in process after every write request here and, on
// PostgreSQL, on LISTEN when any instance writes an event; it wakes the worker (and event streams).
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { WebhookConfig } from '../config.js'
import type { Database } from '../db/database.js'
import type { DatabaseConfig } from '../config.js'
import { createDeliveryWorker, type DeliveryWorker } from './delivery.worker.js'
import type { EventBell } from './event-bell.js'
import type { SendDeps } from './delivery.send.js'
import { type EventListener, listenForEvents } from './event.listener.js'

export interface DeliveryPluginOptions {
  config: WebhookConfig
  database: Database
  databaseConfig: DatabaseConfig
  /** Rung here when events may have been written; open event streams listen too. */
  bell: EventBell
  /** What sending needs, with the current time (the outbound client included). */
  deps: () => Omit<SendDeps, 'log'>
  /** Set once the worker exists: what services call to wake it. */
  onWorker: (worker: DeliveryWorker) => void
}

/** In-flight sends are waited for this long at shutdown; a send still running is retried after its lease. */
const STOP_GRACE_MS = 2000
/** A claim outlives its send: rendering, the send's whole deadline and writing the outcome, with room to spare. */
const leaseFor = (timeoutMs: number) => 2 * timeoutMs + 1000

async function deliveryPlugin(app: FastifyInstance, opts: DeliveryPluginOptions): Promise<void> {
  const { config } = opts
  const log = app.log.child({ component: 'webhooks' })
  const worker = createDeliveryWorker(
    opts.database.db,
    () => ({ ...opts.deps(), log }),
    { concurrency: config.concurrency, perEndpoint: config.perEndpoint, leaseMs: leaseFor(config.timeoutMs), pollMs: config.pollMs },
    log,
  )
  opts.onWorker(worker)
  app.decorate('deliveries', worker)
  const { bell } = opts

  // Any write here may have written events: look at once rather than at the next poll. The bell rings
  // whether or not this instance delivers: its event streams need it either way.
  app.addHook('onResponse', async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'OPTIONS') bell.ring()
  })
  let listener: EventListener | null = null
  app.addHook('onReady', async () => {
    if (config.delivery) worker.start()
    if (opts.databaseConfig.kind === 'postgres') listener = listenForEvents(opts.databaseConfig.url, () => bell.ring(), log)
  })
  const unlisten = config.delivery ? bell.listen(() => worker.wake()) : () => undefined
  app.addHook('preClose', async () => {
    unlisten()
    await listener?.close()
    if (config.delivery) await Promise.race([worker.stop(), new Promise((r) => setTimeout(r, STOP_GRACE_MS).unref())])
  })
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This instance's webhook delivery worker (tests drain it). */
    deliveries: DeliveryWorker
  }
}

export default fp(deliveryPlugin, { name: 'icacn-webhook-delivery' })
