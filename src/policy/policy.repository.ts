// Storage of members' release policy versions. Plain functions over db or trx.
import type { Kysely, Transaction } from 'kysely'
import type { DB } from '../db/schema.js'

type Db = Kysely<DB> | Transaction<DB>

export interface PolicyVersion {
  originator: string
  version: number
  text: string
  author: string
  createdAt: Date
  active: boolean
  activatedAt: Date | null
}

const toVersion = (r: {
  originator: string
  version: number
  text: string
  author: string
  created_at: Date
  active: boolean
  activated_at: Date | null
}): PolicyVersion => ({
  originator: r.originator,
  version: r.version,
  text: r.text,
  author: r.author,
  createdAt: r.created_at,
  active: r.active,
  activatedAt: r.activated_at,
})

/** Call with the member row locked (findMemberForUpdate), so two changes cannot take one number. */
export async function insertPolicyVersion(db: Db, originator: string, text: string, author: string, at: Date): Promise<PolicyVersion> {
  const last = await db
    .selectFrom('member_policies')
    .select((eb) => eb.fn.max('version').as('v'))
    .where('originator', '=', originator)
    .executeTakeFirst()
  const row = await db
    .insertInto('member_policies')
    .values({ originator, version: Number(last?.v ?? 0) + 1, text, author, created_at: at })
    .returningAll()
    .executeTakeFirstOrThrow()
  return toVersion(row)
}

export async function findPolicyVersion(db: Db, originator: string, version: number): Promise<PolicyVersion | undefined> {
  const row = await db
    .selectFrom('member_policies')
    .selectAll()
    .where('originator', '=', originator)
    .where('version', '=', version)
    .executeTakeFirst()
  return row && toVersion(row)
}

export async function findActivePolicy(db: Db, originator: string): Promise<PolicyVersion | undefined> {
  const row = await db
    .selectFrom('member_policies')
    .selectAll()
    .where('originator', '=', originator)
    .where('active', '=', true)
    .executeTakeFirst()
  return row && toVersion(row)
}

export async function listPolicyVersions(db: Db, originator: string): Promise<PolicyVersion[]> {
  return (await db.selectFrom('member_policies').selectAll().where('originator', '=', originator).orderBy('version').execute()).map(
    toVersion,
  )
}

/** Makes `version` the one active version of `originator` (the unique index forbids two). */
export async function setActivePolicy(db: Db, originator: string, version: number, at: Date): Promise<void> {
  await db.updateTable('member_policies').set({ active: false }).where('originator', '=', originator).where('active', '=', true).execute()
  await db
    .updateTable('member_policies')
    .set({ active: true, activated_at: at })
    .where('originator', '=', originator)
    .where('version', '=', version)
    .execute()
}
