// Event positions that never skip: `seq` (a bigserial) is taken when a row is written, not when its
// transaction commits, so a feed paged by seq alone can pass over a row that commits late. Each row
// now records its writer's transaction id; feeds read only below the oldest running transaction and
// page by (txid, seq). `id` is the event's stable public identity (webhook-id, SSE id).
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('events')
    .addColumn('txid', sql`xid8`, (c) => c.notNull().defaultTo(sql`pg_current_xact_id()`))
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(sql`gen_random_uuid()`))
    .execute()
  await db.schema.createIndex('events_id').on('events').column('id').unique().execute()
  await db.schema.createIndex('events_feed').on('events').columns(['member', 'txid', 'seq']).execute()
  await db.schema.dropIndex('events_by_member').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('events_by_member').on('events').columns(['member', 'seq']).execute()
  await db.schema.dropIndex('events_feed').execute()
  await db.schema.dropIndex('events_id').execute()
  await db.schema.alterTable('events').dropColumn('id').dropColumn('txid').execute()
}
