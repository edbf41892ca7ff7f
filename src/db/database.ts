// Opens the database: Kysely's PostgresDialect over a pg.Pool, on PostgreSQL (DATABASE_URL) or on
// embedded PGlite through its node-postgres adapter. The only engine-specific code is here.
import { PGlite } from '@electric-sql/pglite'
import { createPgConfig } from '@electric-sql/pglite/node-postgres'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import type { DatabaseConfig } from '../config.js'
import { lockDataDir } from './data-dir-lock.js'
import type { DB } from './schema.js'

export interface Database {
  readonly db: Kysely<DB>
  readonly engine: 'postgres' | 'embedded'
  close(): Promise<void>
}

/**
 * Embedded mode is single-process and single-connection: the lock on DATA_DIR keeps a second
 * process out, and callers must use `trx` (never `db`) inside a transaction or the pool waits forever.
 */
export async function openDatabase(config: DatabaseConfig, lockDir?: string): Promise<Database> {
  if (config.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: config.url, max: config.poolMax, application_name: 'icacn-exchange' })
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) })
    return { db, engine: 'postgres', close: () => db.destroy() }
  }
  const lock = lockDataDir(lockDir ?? config.dir)
  let pglite: PGlite | undefined
  try {
    pglite = new PGlite(config.dir)
    await pglite.waitReady
    const pool = new pg.Pool(createPgConfig(pglite) as unknown as pg.PoolConfig)
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) })
    const instance = pglite
    return {
      db,
      engine: 'embedded',
      async close() {
        try {
          await db.destroy()
          await instance.close()
        } finally {
          lock.release()
        }
      },
    }
  } catch (e) {
    await pglite?.close().catch(() => undefined)
    lock.release()
    throw e
  }
}

export async function ping(db: Kysely<DB>): Promise<void> {
  await sql`select 1`.execute(db)
}
