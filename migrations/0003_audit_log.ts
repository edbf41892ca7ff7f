// Audit log of coalition-level and member acts (who did what to which subject, when).
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor_kind', 'text', (c) => c.notNull().check(sql`actor_kind in ('operator', 'member', 'gateway')`))
    .addColumn('actor_member', 'char(2)', (c) => c.references('members.code'))
    .addColumn('actor', 'text', (c) => c.notNull().check(sql`length(actor) between 1 and 200`))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addCheckConstraint('audit_log_member_actor', sql`(actor_kind = 'member') = (actor_member is not null)`)
    .execute()
  await db.schema.createIndex('audit_log_subject_at').on('audit_log').columns(['subject', 'at']).execute()
  await db.schema.createIndex('audit_log_actor_member_at').on('audit_log').columns(['actor_member', 'at']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_log').execute()
}
