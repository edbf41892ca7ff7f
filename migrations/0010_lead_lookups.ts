// Per-member, per-day count of selector lookups, for the lookup quota: a batch cannot sweep a
// number range. One row per member and UTC day, incremented atomically against the limit.
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('lead_lookups')
    .addColumn('member', 'char(2)', (c) => c.notNull())
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('used', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('lead_lookups_pk', ['member', 'day'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('lead_lookups').execute()
}
