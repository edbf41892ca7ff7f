// Members of the coalition and their public keys; seeds the six ICACN members.
import { type Kysely, sql } from 'kysely'

const MEMBERS = [
  ['KR', 'National Intelligence Service', 'NIS', 'Republic of Korea'],
  ['TH', 'Office of the Narcotics Control Board', 'ONCB', 'Kingdom of Thailand'],
  ['LA', 'Lao National Commission for Drug Control and Supervision', 'LCDC', "Lao People's Democratic Republic"],
  ['VN', 'Drug-related Crime Investigation Police Department, Ministry of Public Security', 'C04', 'Socialist Republic of Viet Nam'],
  ['KH', 'National Authority for Combating Drugs', 'NACD', 'Kingdom of Cambodia'],
  ['PH', 'Philippine Drug Enforcement Agency', 'PDEA', 'Republic of the Philippines'],
] as const

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('members')
    .addColumn('code', 'char(2)', (c) => c.primaryKey().check(sql`code ~ '^[A-Z]{2}$'`))
    .addColumn('name', 'text', (c) => c.notNull().check(sql`length(name) between 1 and 200`))
    .addColumn('short_name', 'text', (c) => c.notNull())
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active').check(sql`status in ('active', 'suspended')`))
    .addColumn('status_changed_at', 'timestamptz')
    .addColumn('status_reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()

  await db.schema
    .createTable('member_keys')
    .addColumn('member_code', 'char(2)', (c) => c.notNull().references('members.code').onDelete('restrict'))
    .addColumn('kid', 'text', (c) => c.notNull().check(sql`kid ~ '^[A-Za-z0-9_-]{16,128}$'`))
    .addColumn('alg', 'text', (c) => c.notNull().check(sql`alg in ('ES256', 'EdDSA')`))
    .addColumn('public_jwk', 'jsonb', (c) => c.notNull().check(sql`jsonb_typeof(public_jwk) = 'object' and not (public_jwk ? 'd')`))
    .addColumn('registered_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('retired_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revocation_reason', 'text')
    .addPrimaryKeyConstraint('member_keys_pk', ['member_code', 'kid'])
    .addCheckConstraint('member_keys_revocation_reason', sql`(revoked_at is null) = (revocation_reason is null)`)
    .execute()
  // A key belongs to exactly one member: the same public key can never speak for two agencies.
  await db.schema.createIndex('member_keys_kid_unique').on('member_keys').column('kid').unique().execute()

  await db
    .insertInto('members')
    .values(MEMBERS.map(([code, name, short_name, country]) => ({ code, name, short_name, country })))
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('member_keys').execute()
  await db.schema.dropTable('members').execute()
}
