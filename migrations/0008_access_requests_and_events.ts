// Consent workflow (a recipient asks an originator for withheld fields; approval is a grant) and
// the per-member event outbox that every workflow step, and every policy change, is written to.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('access_requests')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('originator', 'char(2)', (c) => c.notNull())
    .addColumn('record_id', 'uuid', (c) => c.notNull())
    .addColumn('requester', 'char(2)', (c) => c.notNull().references('members.code'))
    .addColumn('requested_by', 'text', (c) => c.notNull())
    // null: every withheld field the requester may learn exists (a hit names no fields)
    .addColumn('fields', sql`text[]`)
    .addColumn('justification', 'text', (c) => c.notNull().check(sql`length(justification) between 1 and 2000`))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'approved', 'denied', 'lapsed')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('respond_by', 'timestamptz', (c) => c.notNull())
    .addColumn('decided_at', 'timestamptz')
    .addColumn('decided_by', 'text')
    .addColumn('reason', 'text')
    .addColumn('granted_fields', sql`text[]`)
    .addColumn('expires_at', 'timestamptz')
    .addForeignKeyConstraint('access_requests_record_fk', ['originator', 'record_id'], 'records', ['originator', 'id'])
    .addCheckConstraint('access_requests_grant_shape', sql`(status = 'approved') = (granted_fields is not null and expires_at is not null)`)
    .execute()
  // Grants are read with every record (the overlay), and each side lists its own requests.
  await db.schema
    .createIndex('access_requests_grants')
    .on('access_requests')
    .columns(['originator', 'record_id'])
    .where(sql.ref('status'), '=', 'approved')
    .execute()
  await db.schema.createIndex('access_requests_by_originator').on('access_requests').columns(['originator', 'created_at']).execute()
  await db.schema.createIndex('access_requests_by_requester').on('access_requests').columns(['requester', 'created_at']).execute()
  await db.schema
    .createIndex('access_requests_pending')
    .on('access_requests')
    .column('respond_by')
    .where(sql.ref('status'), '=', 'pending')
    .execute()

  await db.schema
    .createTable('events')
    .addColumn('seq', 'bigserial', (c) => c.primaryKey())
    .addColumn('member', 'char(2)', (c) => c.notNull().references('members.code'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('events_by_member').on('events').columns(['member', 'seq']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('events').execute()
  await db.schema.dropTable('access_requests').execute()
}
