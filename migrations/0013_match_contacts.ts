// Contact requests on blind matches: the side that cannot see the other asks to be put in contact;
// the hidden side accepts (its member, record and field are then shown to the asker on that match)
// or declines, or lets the request lapse. The hidden side is stored here and shown to the asker
// only once accepted.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('match_contacts')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('match_id', 'uuid', (c) => c.notNull().references('selector_matches.id'))
    .addColumn('requester', 'char(2)', (c) => c.notNull().references('members.code'))
    .addColumn('requester_record', 'uuid', (c) => c.notNull())
    .addColumn('requester_field', 'text', (c) => c.notNull())
    .addColumn('target', 'char(2)', (c) => c.notNull().references('members.code'))
    .addColumn('target_record', 'uuid', (c) => c.notNull())
    .addColumn('target_field', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull().check(sql`length(message) between 1 and 2000`))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'accepted', 'declined', 'lapsed')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('respond_by', 'timestamptz', (c) => c.notNull())
    .addColumn('decided_at', 'timestamptz')
    .addColumn('decided_by', 'text')
    .addColumn('reason', 'text')
    .execute()
  // One open request per match and asker; an accepted one opens the match (read with the matches).
  await db.schema
    .createIndex('match_contacts_one_pending')
    .on('match_contacts')
    .columns(['match_id', 'requester'])
    .unique()
    .where(sql.ref('status'), '=', 'pending')
    .execute()
  await db.schema
    .createIndex('match_contacts_accepted')
    .on('match_contacts')
    .columns(['match_id', 'requester'])
    .where(sql.ref('status'), '=', 'accepted')
    .execute()
  await db.schema.createIndex('match_contacts_by_requester').on('match_contacts').columns(['requester', 'created_at']).execute()
  await db.schema.createIndex('match_contacts_by_target').on('match_contacts').columns(['target', 'created_at']).execute()
  await db.schema
    .createIndex('match_contacts_pending')
    .on('match_contacts')
    .column('respond_by')
    .where(sql.ref('status'), '=', 'pending')
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('match_contacts').execute()
}
