// Storage of member public keys (the registry that every member signature is checked against).
import type { Kysely, Selectable, Transaction } from 'kysely'
import type { JWK } from 'jose'
import type { DB, MemberKeysTable } from '../db/schema.js'
import type { MemberKey } from './jwks.js'

type Db = Kysely<DB> | Transaction<DB>

function rowToKey(r: Selectable<MemberKeysTable>): MemberKey {
  return {
    memberCode: r.member_code,
    kid: r.kid,
    alg: r.alg,
    publicJwk: r.public_jwk as JWK,
    registeredBy: r.registered_by,
    createdAt: r.created_at,
    retiredAt: r.retired_at,
    revokedAt: r.revoked_at,
    revocationReason: r.revocation_reason,
  }
}

/** Keys are looked up by (issuer, kid) only: nothing in a token header can point elsewhere. */
export async function findKey(db: Db, memberCode: string, kid: string): Promise<MemberKey | undefined> {
  const row = await db.selectFrom('member_keys').selectAll().where('member_code', '=', memberCode).where('kid', '=', kid).executeTakeFirst()
  return row && rowToKey(row)
}

export async function kidExists(db: Db, kid: string): Promise<boolean> {
  const row = await db.selectFrom('member_keys').select('kid').where('kid', '=', kid).executeTakeFirst()
  return row !== undefined
}

export async function listKeys(db: Db, memberCodes: readonly string[]): Promise<MemberKey[]> {
  if (memberCodes.length === 0) return []
  const rows = await db
    .selectFrom('member_keys')
    .selectAll()
    .where('member_code', 'in', [...memberCodes])
    .orderBy('member_code')
    .orderBy('created_at')
    .orderBy('kid')
    .execute()
  return rows.map(rowToKey)
}

export async function insertKey(db: Db, key: Omit<MemberKey, 'retiredAt' | 'revokedAt' | 'revocationReason'>): Promise<void> {
  await db
    .insertInto('member_keys')
    .values({
      member_code: key.memberCode,
      kid: key.kid,
      alg: key.alg,
      public_jwk: JSON.stringify(key.publicJwk),
      registered_by: key.registeredBy,
      created_at: key.createdAt,
    })
    .execute()
}

export async function setKeyRetired(db: Db, memberCode: string, kid: string, at: Date): Promise<void> {
  await db.updateTable('member_keys').set({ retired_at: at }).where('member_code', '=', memberCode).where('kid', '=', kid).execute()
}

export async function setKeyRevoked(db: Db, memberCode: string, kid: string, at: Date, reason: string): Promise<void> {
  await db
    .updateTable('member_keys')
    .set({ revoked_at: at, revocation_reason: reason })
    .where('member_code', '=', memberCode)
    .where('kid', '=', kid)
    .execute()
}
