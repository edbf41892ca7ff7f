// Per-member, per-day count of hard identifiers new to the member that its published records carried,
// for the publish quota: deconfliction answers "does another member hold this?", so publishing
// guesses must be metered like lookups. One row per member and UTC day, incremented against the limit.
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('publish_selectors')
    .addColumn('member', 'char(2)', (c) => c.notNull())
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('used', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('publish_selectors_pk', ['member', 'day'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('publish_selectors').execute()
}
