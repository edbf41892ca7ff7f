// A version can be corrected once: two corrections of the same version would fork the lineage.
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('records_supersedes').execute()
  await db.schema.createIndex('records_supersedes_unique').on('records').columns(['originator', 'supersedes']).unique().execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('records_supersedes_unique').execute()
  await db.schema.createIndex('records_supersedes').on('records').columns(['originator', 'supersedes']).execute()
}
