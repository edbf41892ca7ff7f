// Deconfliction: two members' records that share a hard selector. Computed once at publish, after
// the record commits (so two concurrent publishes still meet), idempotently: each pair is stored
// once, in a canonical order (a before b), and both originators are told.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('selector_matches')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('a_originator', 'char(2)', (c) => c.notNull())
    .addColumn('a_record', 'uuid', (c) => c.notNull())
    .addColumn('a_field', 'text', (c) => c.notNull())
    .addColumn('b_originator', 'char(2)', (c) => c.notNull())
    .addColumn('b_record', 'uuid', (c) => c.notNull())
    .addColumn('b_field', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('selector_matches_pair', ['a_originator', 'a_record', 'a_field', 'b_originator', 'b_record', 'b_field', 'value'])
    .addCheckConstraint('selector_matches_order', sql`(a_originator, a_record) < (b_originator, b_record) and a_originator <> b_originator`)
    .execute()
  await db.schema.createIndex('selector_matches_by_a').on('selector_matches').columns(['a_originator', 'created_at']).execute()
  await db.schema.createIndex('selector_matches_by_b').on('selector_matches').columns(['b_originator', 'created_at']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('selector_matches').execute()
}
