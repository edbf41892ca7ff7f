// Storage of coalition members. Plain functions over Kysely (db or trx).
import type { Kysely, Selectable, Transaction } from 'kysely'
import type { DB, MembersTable } from '../db/schema.js'

type Db = Kysely<DB> | Transaction<DB>

export interface Member {
  code: string
  name: string
  shortName: string
  country: string
  status: 'active' | 'suspended'
  statusChangedAt: Date | null
  statusReason: string | null
}

function rowToMember(r: Selectable<MembersTable>): Member {
  return {
    code: r.code,
    name: r.name,
    shortName: r.short_name,
    country: r.country,
    status: r.status,
    statusChangedAt: r.status_changed_at,
    statusReason: r.status_reason,
  }
}

export async function listMembers(db: Db): Promise<Member[]> {
  const rows = await db.selectFrom('members').selectAll().orderBy('code').execute()
  return rows.map(rowToMember)
}

export async function findMembers(db: Db, codes: readonly string[]): Promise<Member[]> {
  if (codes.length === 0) return []
  const rows = await db.selectFrom('members').selectAll().where('code', 'in', [...codes]).execute()
  return rows.map(rowToMember)
}

export async function findMember(db: Db, code: string): Promise<Member | undefined> {
  const row = await db.selectFrom('members').selectAll().where('code', '=', code).executeTakeFirst()
  return row && rowToMember(row)
}

/** Locks the member row so concurrent status or key changes for one member serialise. */
export async function findMemberForUpdate(db: Transaction<DB>, code: string): Promise<Member | undefined> {
  const row = await db.selectFrom('members').selectAll().where('code', '=', code).forUpdate().executeTakeFirst()
  return row && rowToMember(row)
}

export async function updateMemberStatus(db: Db, code: string, status: Member['status'], reason: string | null, at: Date): Promise<void> {
  await db.updateTable('members').set({ status, status_reason: reason, status_changed_at: at }).where('code', '=', code).execute()
}

/** What every authenticated request re-checks: member status and the state of the key it authenticated with. */
export async function authState(db: Db, code: string, kid: string): Promise<{ status: Member['status']; keyRevokedAt: Date | null; keyFound: boolean } | undefined> {
  const row = await db
    .selectFrom('members as m')
    .leftJoin('member_keys as k', (j) => j.onRef('k.member_code', '=', 'm.code').on('k.kid', '=', kid))
    .select(['m.status', 'k.revoked_at', 'k.kid'])
    .where('m.code', '=', code)
    .executeTakeFirst()
  return row && { status: row.status, keyRevokedAt: row.revoked_at, keyFound: row.kid !== null }
}
