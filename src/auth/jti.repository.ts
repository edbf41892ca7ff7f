// Seen-jti store: a member JWT's jti may be used once within its lifetime, across all gateway
// instances (the table is shared), as RFC 7523 §3 item 7 allows the server to require.
import { type Kysely, sql, type Transaction } from 'kysely'
import type { DB } from '../db/schema.js'
import { errors } from '../errors.js'

type Db = Kysely<DB> | Transaction<DB>

/** Records the jti or throws REPLAYED. A row whose lifetime has passed may be reused. */
export async function consumeJti(db: Db, memberCode: string, jti: string, expiresAt: Date, now: Date): Promise<void> {
  const row = await db
    .insertInto('assertion_jtis')
    .values({ member_code: memberCode, jti, expires_at: expiresAt })
    .onConflict((oc) =>
      oc.columns(['member_code', 'jti']).doUpdateSet({ expires_at: expiresAt }).where('assertion_jtis.expires_at', '<', now),
    )
    .returning('jti')
    .executeTakeFirst()
  if (!row) throw errors.replayed()
}

export async function purgeExpiredJtis(db: Db, now: Date): Promise<number> {
  const res = await db.deleteFrom('assertion_jtis').where('expires_at', '<', now).executeTakeFirst()
  return Number(res.numDeletedRows)
}

export async function countJtis(db: Db): Promise<number> {
  const r = await db.selectFrom('assertion_jtis').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()
  return Number(r.n)
}
