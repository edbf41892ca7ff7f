// Entry point: loadConfig → buildApp → listen (and the metrics listener); on SIGTERM/SIGINT finish
// in-flight requests, close the pool, exit. A failure to start is one line naming what to do.
import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.js'
import { type Config, ConfigError, loadConfig } from './config.js'
import { createMetrics } from './metrics/metrics.registry.js'
import { type MetricsServer, startMetricsServer } from './metrics/metrics.server.js'
import { comparePeerSettings } from './startup/peer-settings.js'
import { StartupFailure, startupStage } from './startup/startup-failure.js'

/** Warns when this instance's audience or keys differ from those of the last instance started on the database. */
async function warnOfPeers(app: FastifyInstance, config: Config): Promise<void> {
  const kids = (set: { all: readonly { kid: string }[] }) => set.all.map((k) => k.kid)
  try {
    const mine = {
      audience: config.issuer,
      tokenKeys: kids(app.gatewayKeys.accessToken),
      receiptKeys: kids(app.gatewayKeys.receipt),
      secretKeys: app.gatewaySecret.fingerprints,
    }
    for (const line of await comparePeerSettings(app.db, mine, new Date())) app.log.warn(line)
  } catch (err) {
    // Not yet migrated (MIGRATE_ON_START=false): /readyz says so; the comparison waits for the next start.
    app.log.warn(
      { err: { code: (err as { code?: string }).code, message: (err as Error).message } },
      'could not compare settings with other instances',
    )
  }
}

async function main(): Promise<void> {
  const started = performance.now()
  const config = loadConfig(process.env)
  const metrics = config.metrics ? createMetrics() : undefined
  const app = await startupStage('prepare', config, () => buildApp(config, metrics ? { metrics } : {}))
  let metricsServer: MetricsServer | undefined
  try {
    await warnOfPeers(app, config)
    if (metrics && config.metrics) {
      const address = config.metrics
      metricsServer = await startupStage('metrics', config, () => startMetricsServer(metrics.registry, address))
      app.log.info(`metrics at ${metricsServer.url}`)
    }
    await startupStage('listen', config, () => app.listen({ host: config.host, port: config.port }))
  } catch (err) {
    // Release what is open (the pool, the DATA_DIR lock) before the one line and the exit.
    await Promise.allSettled([app.close(), metricsServer?.close()])
    throw err
  }
  app.log.info(
    { mode: config.mode, engine: app.database.engine, issuer: config.issuer, startupMs: Math.round(performance.now() - started) },
    'ICACN Exchange ready',
  )

  let closing = false
  const shutdown = (signal: string) => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down: finishing in-flight requests')
    const force = setTimeout(() => {
      app.log.error('shutdown timed out; exiting')
      process.exit(1)
    }, config.shutdownTimeoutMs)
    force.unref()
    // The metrics listener stays up while requests finish, so a scrape can watch the drain.
    app
      .close()
      .then(() => metricsServer?.close())
      .then(
        () => process.exit(0),
        (err) => {
          app.log.error({ err }, 'shutdown failed')
          process.exit(1)
        },
      )
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
}

main().catch((err: unknown) => {
  // One clear line for what an operator can fix (configuration, the database, DATA_DIR, addresses);
  // the stack only for the unexpected.
  if (err instanceof ConfigError) console.error(`icacn: configuration error: ${err.message}`)
  else if (err instanceof StartupFailure) console.error(err.message)
  else console.error('icacn: failed to start:', err)
  process.exit(err instanceof ConfigError ? 78 : 1)
})
