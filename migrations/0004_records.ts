// Signed records (SD-JWT issuer JWT + envelope in the clear) and their disclosures, stored by claim
// path so reads select disclosures without re-hashing anything.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('records')
    .addColumn('originator', 'char(2)', (c) => c.notNull().references('members.code'))
    .addColumn('id', 'uuid', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().check(sql`version >= 1`))
    .addColumn('supersedes', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('retain_until', 'timestamptz')
    .addColumn('marking', 'text', (c) => c.notNull().check(sql`marking in ('CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED')`))
    .addColumn('releasable_to', sql`text[]`, (c) => c.notNull())
    .addColumn('originator_control', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('grading', 'text', (c) => c.notNull().check(sql`grading ~ '^[A-F][1-6]$'`))
    .addColumn('purpose_limits', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('issuer_jwt', 'text', (c) => c.notNull())
    .addColumn('signing_kid', 'text', (c) => c.notNull())
    .addColumn('holder_kid', 'text', (c) => c.notNull())
    .addColumn('sd_jwt_sha256', 'text', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('withdrawn_at', 'timestamptz')
    .addPrimaryKeyConstraint('records_pk', ['originator', 'id'])
    .addCheckConstraint('records_red_named', sql`marking <> 'RED' or not ('ALL' = any(releasable_to))`)
    .addCheckConstraint('records_version_chain', sql`(version = 1) = (supersedes is null)`)
    .execute()
  await db.schema.createIndex('records_id').on('records').column('id').execute()
  await db.schema.createIndex('records_originator_received').on('records').columns(['originator', 'received_at']).execute()
  await db.schema
    .createIndex('records_supersedes')
    .on('records')
    .columns(['originator', 'supersedes'])
    .where(sql.ref('supersedes'), 'is not', null)
    .execute()

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
    .addColumn('marking', 'text', (c) => c.check(sql`marking in ('CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED')`))
    .addColumn('releasable_to', sql`text[]`)
    .addPrimaryKeyConstraint('record_disclosures_pk', ['originator', 'record_id', 'path'])
    .addForeignKeyConstraint('record_disclosures_record', ['originator', 'record_id'], 'records', ['originator', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('record_disclosures').execute()
  await db.schema.dropTable('records').execute()
}
