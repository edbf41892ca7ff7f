// The lead index: one row per (record, field, normalised hard selector), written with the record in
// the same statement. Each row points at its decision class (originator, record type, label, field
// and record marking, grading): what a caller may discover is a set of class ids, filtered in SQL.
// No foreign keys: rows are written only by the statement that inserts their record and class, and
// a key check per row (a shared row lock on the same few class rows from every publish) halved
// publish throughput when measured.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('selector_classes')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('originator', 'char(2)', (c) => c.notNull())
    .addColumn('record_type', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('field_marking', 'text', (c) => c.notNull())
    .addColumn('record_marking', 'text', (c) => c.notNull())
    .addColumn('grading', 'text', (c) => c.notNull())
    .addUniqueConstraint('selector_classes_key', ['originator', 'record_type', 'label', 'field_marking', 'record_marking', 'grading'])
    .execute()
  await db.schema
    .createTable('record_selectors')
    .addColumn('originator', 'char(2)', (c) => c.notNull())
    .addColumn('record_id', 'uuid', (c) => c.notNull())
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('class_id', 'integer', (c) => c.notNull())
    // the field's own release list, when narrower than the record's (null: the record's)
    .addColumn('field_releasable_to', sql`text[]`)
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('record_selectors_pk', ['originator', 'record_id', 'field', 'value'])
    .execute()
  // by value: search and lookup; (value, originator): deconfliction asks each other member in turn
  await db.schema.createIndex('record_selectors_by_value').on('record_selectors').columns(['value', 'originator', 'class_id']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('record_selectors').execute()
  await db.schema.dropTable('selector_classes').execute()
}
