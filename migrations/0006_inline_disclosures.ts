// A record's disclosures move into the record row, as one jsonb array in presentation order (each
// element names its claim path). The separate table cost a row, an index entry and a foreign-key
// check (one SPI query each) per disclosure: about 20 per record, more than half the publish cost in
// PostgreSQL. Nothing reads a disclosure without its record, and they are written together anyway.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('records')
    .addColumn('disclosures', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute()
  await sql`
    update records r set disclosures = d.list
    from (
      select originator, record_id,
             jsonb_agg(jsonb_strip_nulls(jsonb_build_object('path', path, 'digest', digest, 'encoded', encoded, 'field', field, 'label', label, 'marking', marking, 'releasableTo', to_jsonb(releasable_to))) order by ordinal) as list
      from record_disclosures group by originator, record_id
    ) d
    where d.originator = r.originator and d.record_id = r.id`.execute(db)
  await db.schema
    .alterTable('records')
    .alterColumn('disclosures', (c) => c.dropDefault())
    .execute()
  await db.schema.dropTable('record_disclosures').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('record_disclosures')
    .addColumn('originator', 'char(2)', (c) => c.notNull())
    .addColumn('record_id', 'uuid', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('ordinal', 'integer', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('encoded', 'text', (c) => c.notNull())
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('marking', 'text')
    .addColumn('releasable_to', sql`text[]`)
    .addPrimaryKeyConstraint('record_disclosures_pk', ['originator', 'record_id', 'path'])
    .addForeignKeyConstraint('record_disclosures_record', ['originator', 'record_id'], 'records', ['originator', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute()
  await sql`
    insert into record_disclosures (originator, record_id, path, ordinal, digest, encoded, field, label, marking, releasable_to)
    select r.originator, r.id, e.d->>'path', (e.n - 1)::int, e.d->>'digest', e.d->>'encoded', e.d->>'field', e.d->>'label', e.d->>'marking',
           case when e.d ? 'releasableTo' then array(select jsonb_array_elements_text(e.d->'releasableTo')) end
    from records r, jsonb_array_elements(r.disclosures) with ordinality as e(d, n)`.execute(db)
  await db.schema.alterTable('records').dropColumn('disclosures').execute()
}
