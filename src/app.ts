// Builds the gateway from a Config: opens the database, migrates, provisions keys, then registers
// plugins in an explicit order. Nothing here runs on import.
import { randomUUID } from 'node:crypto'
import cors from '@fastify/cors'
import Fastify, { type FastifyInstance } from 'fastify'
import authPlugin from './auth/plugin.js'
import { type GatewayKeys, loadGatewayKeys } from './auth/gateway-keys.js'
import { purgeExpiredJtis } from './auth/jti.repository.js'
import { type Clock, systemClock } from './clock.js'
import type { Config } from './config.js'
import { type Database, openDatabase } from './db/database.js'
import { migrateToLatest } from './db/migrator.js'
import dbPlugin from './db/plugin.js'
import graphqlPlugin from './graphql/plugin.js'
import { ensureDevMemberKeys } from './members/dev-keys.js'
import { createMemberKeyCache } from './members/member-key.cache.js'
import { listMembers } from './members/member.repository.js'
import { createPolicyCache } from './policy/policy.cache.js'
import { createLeadIndex } from './leads/lead.loader.js'
import { createSelectorClasses } from './leads/selector-class.cache.js'
import { createMatcher } from './leads/match.service.js'
import { createClassIds } from './leads/selector-class.repository.js'
import { createLookupQuota } from './leads/lookup-quota.js'
import { createPublishQuota } from './leads/publish-quota.js'
import { loadZawgyiModel } from './records/zawgyi-model.js'
import { createZawgyiCheck } from './records/zawgyi.js'
import { ensureDefaultPolicies } from './policy/policy.service.js'
import { lapseOverdueRequests } from './policy/access-request.service.js'
import { lapseOverdueContactRequests } from './leads/match-contact.service.js'
import { createRecordWriter } from './records/record-writer.js'
import { createRecordLoader } from './records/record.loader.js'
import { createAuditWriter } from './audit/audit.writer.js'
import type { ReadDeps } from './records/record.service.js'
import type { PublishDeps } from './records/record-publish.service.js'
import type { LeadDeps } from './leads/lead.service.js'
import type { LookupDeps } from './leads/lead-lookup.service.js'
import type { ExplainDeps, DryRunDeps } from './policy/explain.service.js'
import type { PolicyDeps } from './policy/policy.service.js'
import type { WithdrawDeps } from './records/record-lifecycle.service.js'
import type { MatchDeps } from './leads/match.service.js'
import { importTrustList } from './members/trust-list.js'
import { loadRecordTypes } from './records/record-types.js'
import { loadContract } from './rest/contract.js'
import errorHandler from './rest/error-handler.js'
import { clientErrorHandler, frameworkErrors } from './rest/client-error.js'
import requestGuards from './rest/request-guards.js'
import restPlugin from './rest/plugin.js'
import { type GatewaySecret, loadGatewaySecret } from './auth/gateway-secret.js'
import type { EventFeedDeps } from './webhooks/event.service.js'
import type { SubscriptionDeps } from './webhooks/subscription.service.js'
import type { WakeDeps } from './webhooks/delivery.service.js'
import { createOutbound, type Lookup } from './webhooks/outbound.js'
import type { DeliveryWorker } from './webhooks/delivery.worker.js'
import deliveryPlugin from './webhooks/delivery.plugin.js'
import { createEventBell } from './webhooks/event-bell.js'
import type { StreamDeps } from './webhooks/event-stream.service.js'
import { createLiveStreams } from './webhooks/live-streams.js'
import type { SendDeps } from './webhooks/delivery.send.js'
import type { Metrics } from './metrics/metrics.registry.js'
import metricsPlugin from './metrics/metrics.plugin.js'
import { databaseProgress, migrationProgress } from './startup/startup-progress.js'

/**
 * What the REST and GraphQL adapters hold to call services: the union of the small dependency types
 * each service declares next to itself (a service sees only its own part).
 */
export type AppServices = ReadDeps &
  PublishDeps &
  LeadDeps &
  LookupDeps &
  ExplainDeps &
  DryRunDeps &
  PolicyDeps &
  WithdrawDeps &
  MatchDeps &
  EventFeedDeps &
  StreamDeps &
  SubscriptionDeps &
  WakeDeps &
  Omit<SendDeps, 'log'>

export interface AppOptions {
  /** Use an already-open database (tests, CLI); the app then does not close it. */
  database?: Database
  clock?: Clock
  /** Count requests, refusals, the pool into these (server.ts serves them on METRICS_PORT). */
  metrics?: Metrics
  /** How webhook receivers' names resolve (tests point them at loopback receivers); default: the system resolver. */
  webhookLookup?: Lookup
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

export async function buildApp(config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const clock = options.clock ?? systemClock
  const app = Fastify({
    logger: {
      level: config.logLevel,
      // Never log credentials: request headers are not serialised, and these paths are redacted if they ever are.
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.body', 'res.body'], censor: '[redacted]' },
    },
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    // The header is read in genReqId (validated) rather than trusted verbatim by fastify.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
    },
    return503OnClosing: true,
    // Refusals outside any route (unparseable HTTP, undecodable URLs) are problem+json too.
    clientErrorHandler,
    frameworkErrors,
  })
  // The logger exists before the database opens, so a first start says it is creating it.
  if (!options.database) app.log.info(databaseProgress(config.database))
  const database = options.database ?? (await openDatabase(config.database, config.dataDir))
  database.onConnectionError((err) =>
    app.log.warn(
      { err: { code: (err as { code?: string }).code, message: err.message } },
      'a pooled database connection failed and was discarded',
    ),
  )
  try {
    await prepare(app, config, database, clock)
  } catch (e) {
    if (!options.database) await database.close()
    throw e
  }
  return app

  async function prepare(app: FastifyInstance, config: Config, database: Database, clock: Clock): Promise<void> {
    if (config.migrateOnStart) {
      const { applied } = await migrateToLatest(database.db, (name) => app.log.info(migrationProgress(name)))
      if (applied.length) app.log.info({ applied }, 'migrations applied')
    }
    const { keys, generated } = await loadGatewayKeys(config)
    const { secret, generated: secretGenerated } = loadGatewaySecret(config)
    await provisionMemberKeys(app, config, database, clock, generated.length > 0 || secretGenerated)
    const seeded = await ensureDefaultPolicies(database.db, clock())
    if (seeded.length) app.log.info({ members: seeded }, 'default release policy activated')

    // Responses finished after close() began carry Connection: close; otherwise a client's keep-alive
    // socket, busy when close() started, would hold the shutdown open until its idle timeout.
    let closing = false
    app.addHook('preClose', async () => {
      closing = true
    })
    // Event streams stay open until their token expires: end them first, or close() would wait for them.
    const liveStreams = createLiveStreams(config.streamsPerMember)
    app.addHook('preClose', async () => liveStreams.closeAll())
    const eventBell = createEventBell(app.log)
    app.addHook('onSend', async (request, reply) => {
      reply.header('x-request-id', request.id)
      if (closing) reply.header('connection', 'close')
    })
    await app.register(dbPlugin, { database, owns: !options.database })
    if (options.metrics) await app.register(metricsPlugin, { metrics: options.metrics, database })
    await app.register(errorHandler, { bodyLimit: config.bodyLimitBytes })
    await app.register(requestGuards)
    if (config.corsOrigins.length) await app.register(cors, { origin: [...config.corsOrigins], credentials: false })
    // Each batcher reports its queue depth and batch sizes to the metrics registry, when there is one.
    const observe = options.metrics?.batcher
    await app.register(authPlugin, { issuer: config.issuer, accessTokenKeys: keys.accessToken, observe })
    // Member codes change only by migration (which needs a restart); keys are imported once each.
    const memberCodes: ReadonlySet<string> = new Set((await listMembers(database.db)).map((m) => m.code))
    const policies = createPolicyCache(database.db)
    const selectorClasses = createSelectorClasses(database.db, policies, observe)
    // Google's Zawgyi model, loaded once (a few milliseconds): publish refuses Zawgyi, search converts it.
    const zawgyi = loadZawgyiModel()
    const outboundPolicy = { insecureDev: config.webhooks.insecureDev, allowCidrs: config.webhooks.allowCidrs }
    let worker: DeliveryWorker | null = null
    const services = {
      types: loadRecordTypes(),
      secret,
      receiptKeys: keys.receipt,
      issuer: config.issuer,
      maxRecordBytes: config.recordMaxBytes,
      memberCodes,
      memberKeys: createMemberKeyCache(),
      writer: createRecordWriter(database.db, observe),
      records: createRecordLoader(database.db, observe),
      audit: createAuditWriter(database.db, observe),
      policies,
      selectorClasses,
      leadQuota: createLookupQuota(database.db, config.leadLookupsPerDay),
      leadIndex: createLeadIndex(database.db, observe),
      matcher: createMatcher(database.db, selectorClasses, memberCodes, observe),
      classIds: createClassIds(database.db),
      publishQuota: createPublishQuota(database.db, config.publishSelectorsPerDay),
      maxSelectors: config.recordMaxSelectors,
      zawgyi,
      zawgyiCheck: createZawgyiCheck(zawgyi),
      outboundPolicy,
      outbound: createOutbound(outboundPolicy, options.webhookLookup ? { lookup: options.webhookLookup } : {}),
      timeoutMs: config.webhooks.timeoutMs,
      wakeDeliveries: () => worker?.wake(),
      eventBell,
      liveStreams,
    }
    const appServices = (): AppServices => ({ ...services, now: clock() })
    await app.register(restPlugin, { config, contract: loadContract(), keys, clock, services: appServices })
    await app.register(graphqlPlugin, {
      maxDepth: config.graphqlMaxDepth,
      maxCost: config.graphqlMaxCost,
      introspection: config.graphqlIntrospection,
      bodyLimit: config.bodyLimitBytes,
      clock,
      services: appServices,
    })
    await app.register(deliveryPlugin, {
      config: config.webhooks,
      database,
      databaseConfig: config.database,
      bell: eventBell,
      deps: appServices,
      onWorker: (w) => {
        worker = w
      },
    })
    scheduleHousekeeping(app, clock)
    app.decorate('gatewayKeys', keys)
    app.decorate('gatewaySecret', secret)
    app.decorate('services', appServices)
  }
}

async function provisionMemberKeys(
  app: FastifyInstance,
  config: Config,
  database: Database,
  clock: Clock,
  gatewayKeysGenerated: boolean,
): Promise<void> {
  if (config.mode === 'production') {
    const { registered } = await importTrustList(database.db, config.trustListFile as string, clock())
    if (registered.length) app.log.info({ registered }, 'trust list: registered member keys')
    return
  }
  const { generated, registered } = await ensureDevMemberKeys(database.db, config.dataDir, clock())
  const members = [...new Set([...generated, ...registered])]
  if (members.length || gatewayKeysGenerated) {
    const what = [members.length ? `member keys for ${members.join(', ')}` : '', gatewayKeysGenerated ? 'gateway keys' : '']
      .filter(Boolean)
      .join(' and ')
    app.log.warn(
      `development mode: ${what} generated or registered under ${config.dataDir}/dev-keys (private keys on disk: never use in production)`,
    )
  }
}

/** Every minute: forget expired assertion ids; let unanswered access and contact requests lapse (evented). */
function scheduleHousekeeping(app: FastifyInstance, clock: Clock): void {
  const timer = setInterval(() => {
    purgeExpiredJtis(app.db, clock()).catch((err) => app.log.warn({ err }, 'jti purge failed'))
    lapseOverdueRequests(app.db, clock()).catch((err) => app.log.warn({ err }, 'access request lapse failed'))
    lapseOverdueContactRequests(app.db, clock()).catch((err) => app.log.warn({ err }, 'contact request lapse failed'))
  }, 60_000)
  timer.unref()
  app.addHook('onClose', async () => clearInterval(timer))
}

declare module 'fastify' {
  interface FastifyInstance {
    gatewayKeys: GatewayKeys
    gatewaySecret: GatewaySecret
    /** What services depend on, with the current time (the CLI, tests and the bench's comparison routes use it). */
    services: () => AppServices
  }
}
