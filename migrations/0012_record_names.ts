// Free-text name search: one row per (record, name or alias field), its normalised words as a
// tsvector (src/leads/name.normalise.ts builds the lexemes, so no text-search configuration or
// locale is involved: the same on every engine), under a GIN index. Each row carries its decision
// class, as a selector row does, so search filters by the caller's discoverable classes in SQL.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('record_names')
    .addColumn('originator', 'char(2)', (c) => c.notNull())
    .addColumn('record_id', 'uuid', (c) => c.notNull())
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('class_id', 'integer', (c) => c.notNull())
    .addColumn('field_releasable_to', sql`text[]`)
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('lexemes', sql`tsvector`, (c) => c.notNull())
    .addPrimaryKeyConstraint('record_names_pk', ['originator', 'record_id', 'field'])
    .execute()
  await sql`create index record_names_lexemes on record_names using gin (lexemes)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('record_names').execute()
}
