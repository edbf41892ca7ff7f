// Opens the database: Kysely's PostgresDialect over a pg.Pool, on PostgreSQL (DATABASE_URL) or on
// embedded PGlite through its node-postgres adapter. The only engine-specific code is here.
import { PGlite } from '@electric-sql/pglite'
import { createPgConfig } from '@electric-sql/pglite/node-postgres'
import { Kysely, PostgresDialect, sql } from 'kysely'
import { preparingPool } from './prepared.js'
import pg from 'pg'
import type { DatabaseConfig } from '../config.js'
import { lockDataDir } from './data-dir-lock.js'
import type { DB } from './schema.js'

export interface Database {
  readonly db: Kysely<DB>
  readonly engine: 'postgres' | 'embedded'
  close(): Promise<void>
  /**
   * Where to report a pooled connection that failed while idle (server restart, an administrator
   * terminating it). The pool discards such a connection; without a listener the process would die.
   */
  onConnectionError(report: (err: Error) => void): void
  /** The pool's connections now (for metrics): open, idle, callers waiting for one, and the most it opens. */
  poolStats(): PoolStats
}

export interface PoolStats {
  total: number
  idle: number
  waiting: number
  max: number
}

const statsOf = (pool: pg.Pool, max: number) => (): PoolStats => ({
  total: pool.totalCount,
  idle: pool.idleCount,
  waiting: pool.waitingCount,
  max,
})

/**
 * A pool's failed idle connections go to a reporter (otherwise the 'error' event would end the
 * process), and close can wait until every connection has really ended: pg-pool's end() resolves
 * when its clients are let go, before their sockets close.
 */
function watchPool(pool: pg.Pool): { onConnectionError(r: (err: Error) => void): void; drained(): Promise<void> } {
  let report: (err: Error) => void = () => undefined
  const open = new Set<unknown>()
  pool.on('error', (err) => report(err))
  pool.on('connect', (c) => open.add(c))
  pool.on('remove', (c) => open.delete(c))
  return {
    onConnectionError: (r) => void (report = r),
    drained: () =>
      new Promise<void>((resolve) => {
        if (open.size === 0) return resolve()
        const timer = setTimeout(resolve, 2000)
        timer.unref()
        pool.on('remove', () => open.size === 0 && (clearTimeout(timer), resolve()))
      }),
  }
}

/**
 * Embedded mode is single-process and single-connection: the lock on DATA_DIR keeps a second
 * process out, and callers must use `trx` (never `db`) inside a transaction or the pool waits forever.
 */
export async function openDatabase(config: DatabaseConfig, lockDir?: string): Promise<Database> {
  if (config.kind === 'postgres') {
    // A host that drops packets must fail the start (one clear line), not hang it: connections time out.
    const pool = new pg.Pool({
      connectionString: config.url,
      max: config.poolMax,
      application_name: 'icacn-exchange',
      connectionTimeoutMillis: 10_000,
      // Event feeds read only below the oldest running transaction (src/webhooks/event.repository.ts):
      // a transaction left open by a stuck caller would hold every feed back, so PostgreSQL ends one
      // that sits idle for 5 s. The gateway's own transactions are single acts of milliseconds.
      options: '-c idle_in_transaction_session_timeout=5000',
    })
    const watch = watchPool(pool)
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) })
    return {
      db,
      engine: 'postgres',
      onConnectionError: watch.onConnectionError,
      poolStats: statsOf(pool, config.poolMax),
      async close() {
        await db.destroy()
        await watch.drained()
      },
    }
  }
  const lock = lockDataDir(lockDir ?? config.dir)
  let pglite: PGlite | undefined
  try {
    pglite = new PGlite(config.dir)
    await pglite.waitReady
    const pool = new pg.Pool(createPgConfig(pglite) as unknown as pg.PoolConfig)
    const watch = watchPool(pool)
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) })
    const instance = pglite
    return {
      db,
      engine: 'embedded',
      onConnectionError: watch.onConnectionError,
      // PGlite is one connection (its node-postgres config sets the pool's size to 1).
      poolStats: statsOf(pool, 1),
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
