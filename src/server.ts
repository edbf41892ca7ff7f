// Entry point: loadConfig → buildApp → listen; on SIGTERM/SIGINT finish in-flight requests, close the pool, exit.
import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { DataDirLockedError } from './db/data-dir-lock.js'

async function main(): Promise<void> {
  const started = performance.now()
  const config = loadConfig(process.env)
  const app = await buildApp(config)
  await app.listen({ host: config.host, port: config.port })
  app.log.info({ mode: config.mode, engine: app.database.engine, issuer: config.issuer, startupMs: Math.round(performance.now() - started) }, 'ICACN Exchange ready')

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
    app.close().then(
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
  // One clear line for configuration and lock problems; the stack only for the unexpected.
  if (err instanceof ConfigError) console.error(`icacn: configuration error: ${err.message}`)
  else if (err instanceof DataDirLockedError) console.error(`icacn: ${err.message}`)
  else console.error('icacn: failed to start:', err)
  process.exit(err instanceof ConfigError ? 78 : 1)
})
