// Runs the migrations in migrations/ on either engine; a failure throws (never swallowed).
import { type Kysely, Migrator } from 'kysely'
import { migrations } from '../../migrations/index.js'
import type { DB } from './schema.js'

function migrator(db: Kysely<DB>): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } })
}

export interface MigrationReport {
  applied: string[]
}

export async function migrateToLatest(db: Kysely<DB>): Promise<MigrationReport> {
  const { error, results } = await migrator(db).migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName
    throw new Error(`migration ${failed ?? '(unknown)'} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) }
}

/** Up or down to exactly `name` (an operator's rollback; tests of a migration's data movement). */
export async function migrateTo(db: Kysely<DB>, name: string): Promise<MigrationReport> {
  const { error, results } = await migrator(db).migrateTo(name)
  if (error) throw new Error(`migration to ${name} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => `${r.direction === 'Down' ? 'down ' : ''}${r.migrationName}`) }
}

/** Known migrations applied and pending; `pending` is empty when the schema is current. */
export async function migrationStatus(db: Kysely<DB>): Promise<{ applied: number; pending: string[] }> {
  const all = await migrator(db).getMigrations()
  const pending = all.filter((m) => m.executedAt === undefined).map((m) => m.name)
  return { applied: all.length - pending.length, pending }
}
