// `npm run migrate`: applies pending migrations to the configured database and exits non-zero on failure.
import { ConfigError, loadConfig } from './config.js'
import { openDatabase } from './db/database.js'
import { migrateToLatest } from './db/migrator.js'
import { describeStartupFailure } from './startup/startup-failure.js'

async function main(): Promise<void> {
  const config = loadConfig(process.env)
  const database = await openDatabase(config.database, config.dataDir)
  try {
    const { applied } = await migrateToLatest(database.db)
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date')
  } finally {
    await database.close()
  }
}

main().catch((err: unknown) => {
  // The same one line as a failing start (which migration, which database, what to do).
  const config = err instanceof ConfigError ? undefined : loadConfig(process.env)
  const line = config ? describeStartupFailure(err, 'prepare', config) : null
  console.error(line ?? `icacn migrate: ${err instanceof ConfigError ? `configuration error: ${err.message}` : (err as Error).message}`)
  process.exit(err instanceof ConfigError ? 78 : 1)
})
