// Each member's release policy, versioned: every change is a new version with its author and time;
// at most one version per member is active. Versions are never edited or deleted.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('member_policies')
    .addColumn('originator', 'char(2)', (c) => c.notNull().references('members.code'))
    .addColumn('version', 'integer', (c) => c.notNull().check(sql`version >= 1`))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('author', 'text', (c) => c.notNull().check(sql`length(author) between 1 and 200`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('activated_at', 'timestamptz')
    .addPrimaryKeyConstraint('member_policies_pk', ['originator', 'version'])
    .execute()
  await db.schema
    .createIndex('member_policies_one_active')
    .on('member_policies')
    .column('originator')
    .unique()
    .where(sql.ref('active'), '=', true)
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('member_policies').execute()
}
