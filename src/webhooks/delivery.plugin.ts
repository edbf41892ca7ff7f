// Runs webhook delivery on this instance: the worker starts when the app is ready and stops before
// the database closes. It is woken in process after every write request here and, on PostgreSQL,
// by LISTEN when any instance writes an event; a poll catches retries that fall due.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { WebhookConfig } from '../config.js'
import type { Database } from '../db/database.js'
import type { DatabaseConfig } from '../config.js'
import { createDeliveryWorker, type DeliveryWorker } from './delivery.worker.js'
import type { SendDeps } from './delivery.send.js'
import { type EventListener, listenForEvents } from './event.listener.js'

export interface DeliveryPluginOptions {
  config: WebhookConfig
  database: Database
  databaseConfig: DatabaseConfig
  /** What sending needs, with the current time (the outbound client included). */
  deps: () => Omit<SendDeps, 'log'>
  /** Set once the worker exists: what services call to wake it. */
  onWorker: (worker: DeliveryWorker) => void
}

/** In-flight sends are waited for this long at shutdown; a send still running is retried after its lease. */
const STOP_GRACE_MS = 2000
const LEASE_SLACK_MS = 20_000

async function deliveryPlugin(app: FastifyInstance, opts: DeliveryPluginOptions): Promise<void> {
  const { config } = opts
  const log = app.log.child({ component: 'webhooks' })
  const worker = createDeliveryWorker(
    opts.database.db,
    () => ({ ...opts.deps(), log }),
    { concurrency: config.concurrency, perEndpoint: config.perEndpoint, leaseMs: config.timeoutMs + LEASE_SLACK_MS, pollMs: config.pollMs },
    log,
  )
  opts.onWorker(worker)
  app.decorate('deliveries', worker)
  if (!config.delivery) return

  // Any write here may have written events: look at once rather than at the next poll.
  app.addHook('onResponse', async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'OPTIONS') worker.wake()
  })
  let listener: EventListener | null = null
  app.addHook('onReady', async () => {
    worker.start()
    if (opts.databaseConfig.kind === 'postgres') listener = listenForEvents(opts.databaseConfig.url, () => worker.wake(), log)
  })
  app.addHook('preClose', async () => {
    await listener?.close()
    await Promise.race([worker.stop(), new Promise((r) => setTimeout(r, STOP_GRACE_MS).unref())])
  })
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This instance's webhook delivery worker (tests drain it). */
    deliveries: DeliveryWorker
  }
}

export default fp(deliveryPlugin, { name: 'icacn-webhook-delivery' })
