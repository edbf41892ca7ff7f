// Replay protection for client assertions and signed requests, shared by every gateway instance.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('assertion_jtis')
    .addColumn('member_code', 'char(2)', (c) => c.notNull().references('members.code'))
    .addColumn('jti', 'text', (c) => c.notNull().check(sql`length(jti) between 1 and 256`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('assertion_jtis_pk', ['member_code', 'jti'])
    .execute()
  await db.schema.createIndex('assertion_jtis_expires_at').on('assertion_jtis').column('expires_at').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('assertion_jtis').execute()
}
