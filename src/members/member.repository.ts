// Storage of coalition members. Plain functions over Kysely (db or trx).
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely'
import { prepare } from '../db/prepared.js'
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
  const rows = await db
    .selectFrom('members')
    .selectAll()
    .where('code', 'in', [...codes])
    .execute()
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
export interface AuthState {
  status: Member['status']
  keyFound: boolean
  keyRevokedAt: Date | null
}

/**
 * Member status and key revocation for several (member, kid) pairs in one query, keyed
 * `member:kid`; a pair whose member does not exist is absent.
 */
export async function authStates(db: Db, pairs: ReadonlyArray<{ member: string; kid: string }>): Promise<Map<string, AuthState>> {
  const out = new Map<string, AuthState>()
  if (pairs.length === 0) return out
  const rows = await db
    .selectFrom('members as m')
    .modifyFront(prepare('auth-states'))
    // Arrays as single parameters: one statement text whatever the batch size.
    .leftJoin('member_keys as k', (j) =>
      j.onRef('k.member_code', '=', 'm.code').on(sql<boolean>`k.kid = any(${[...new Set(pairs.map((p) => p.kid))]}::text[])`),
    )
    .select(['m.code', 'm.status', 'k.revoked_at', 'k.kid'])
    .where(sql<boolean>`m.code = any(${[...new Set(pairs.map((p) => p.member))]}::text[])`)
    .execute()
  for (const { member, kid } of pairs) {
    const mine = rows.filter((r) => r.code === member)
    if (mine.length === 0) continue
    const key = mine.find((r) => r.kid === kid)
    out.set(`${member}:${kid}`, { status: mine[0]!.status, keyFound: key !== undefined, keyRevokedAt: key?.revoked_at ?? null })
  }
  return out
}
