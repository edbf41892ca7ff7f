// Runs the migrations in migrations/ on either engine; a failure throws (never swallowed), naming
// the migration. On PostgreSQL (and PGlite) kysely runs a whole migrateToLatest in one transaction.
import { type Kysely, type Migration, Migrator } from 'kysely'
import { migrations } from '../../migrations/index.js'
import type { DB } from './schema.js'

/** A migration that failed, or one the database has applied that this build does not know. */
export class MigrationError extends Error {
  constructor(
    readonly migration: string,
    readonly kind: 'failed' | 'unknown' | 'out-of-order',
    message: string,
    options: { cause: unknown },
  ) {
    super(message, options)
    this.name = 'MigrationError'
  }
}

/** `onMigration` hears each migration's name as it starts (progress lines at a first start). */
function migrator(db: Kysely<DB>, onMigration?: (name: string) => void): Migrator {
  const announced = (name: string, m: Migration): Migration => ({
    ...m,
    up: async (trx) => {
      onMigration?.(name)
      await m.up(trx)
    },
  })
  const provided = onMigration ? Object.fromEntries(Object.entries(migrations).map(([name, m]) => [name, announced(name, m)])) : migrations
  return new Migrator({ db, provider: { getMigrations: async () => provided } })
}

// kysely reports these two before running anything, as plain errors: recognised by their text.
const MISSING = /previously executed migration (\S+) is missing/
const OUT_OF_ORDER = /expected previously executed migration (\S+) to be at index/

function migrationError(error: unknown, failed: string | undefined): unknown {
  const message = error instanceof Error ? error.message : String(error)
  if (failed) return new MigrationError(failed, 'failed', `migration ${failed} failed: ${message}`, { cause: error })
  const missing = MISSING.exec(message)
  if (missing)
    return new MigrationError(
      missing[1]!,
      'unknown',
      `the database has migration ${missing[1]} applied, which this version does not have`,
      { cause: error },
    )
  const order = OUT_OF_ORDER.exec(message)
  if (order)
    return new MigrationError(
      order[1]!,
      'out-of-order',
      `the database's applied migrations are not this version's first ones (${order[1]} is out of place)`,
      { cause: error },
    )
  // Not a migration's fault (the database is unreachable, say): the original error, for the caller to name.
  return error
}

export interface MigrationReport {
  applied: string[]
}

export async function migrateToLatest(db: Kysely<DB>, onMigration?: (name: string) => void): Promise<MigrationReport> {
  const { error, results } = await migrator(db, onMigration).migrateToLatest()
  if (error) throw migrationError(error, results?.find((r) => r.status === 'Error')?.migrationName)
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) }
}

/** Up or down to exactly `name` (an operator's rollback; tests of a migration's data movement). */
export async function migrateTo(db: Kysely<DB>, name: string): Promise<MigrationReport> {
  const { error, results } = await migrator(db).migrateTo(name)
  if (error) throw new Error(`migration to ${name} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  return {
    applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => `${r.direction === 'Down' ? 'down ' : ''}${r.migrationName}`),
  }
}

/** Known migrations applied and pending; `pending` is empty when the schema is current. */
export async function migrationStatus(db: Kysely<DB>): Promise<{ applied: number; pending: string[] }> {
  const all = await migrator(db).getMigrations()
  const pending = all.filter((m) => m.executedAt === undefined).map((m) => m.name)
  return { applied: all.length - pending.length, pending }
}
