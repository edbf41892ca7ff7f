// Instances on one database must share their audience and gateway keys: a token one signs for its
// audience is refused by another with a different audience or keys. Each start compares its own with
// what the last instance to start recorded (gateway_settings), warns of a difference, and records its own.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'

export interface PeerSettings {
  audience: string
  /** Key ids in file order (the first signs). Thumbprints of public keys: safe to log. */
  tokenKeys: readonly string[]
  receiptKeys: readonly string[]
  /** One-way fingerprints of the secret keys (src/auth/gateway-secret.ts), never the keys. */
  secretKeys: readonly string[]
}

interface Stored {
  key: string
  variable: string
  /** What goes wrong while instances differ. */
  why: string
}

const STORED: Record<keyof PeerSettings, Stored> = {
  audience: { key: 'audience', variable: 'GATEWAY_AUDIENCE', why: 'a client assertion or token made for one is refused by the other' },
  tokenKeys: { key: 'token_key_ids', variable: 'GATEWAY_TOKEN_KEYS (key ids)', why: 'a token one signs is refused by the other' },
  receiptKeys: {
    key: 'receipt_key_ids',
    variable: 'GATEWAY_RECEIPT_KEYS (key ids)',
    why: "receipts one signs are not among the other's published keys",
  },
  secretKeys: {
    key: 'secret_key_ids',
    variable: 'GATEWAY_SECRET_KEYS (fingerprints)',
    why: 'an event cursor one hands out is refused by the other',
  },
}

const text = (v: string | readonly string[]): string => (typeof v === 'string' ? v : v.join(','))

/**
 * Returns one warning line for each setting that differs from the last instance started on this
 * database, and records this instance's values. A warning, not a refusal: a planned change (a new
 * audience, a key rotation) is rolled out one instance at a time, so for a while instances differ by
 * design, and the database cannot tell whether the instance that recorded the old value still runs.
 * The last start's values are kept (not the first's), so a planned change warns once per instance.
 */
export async function comparePeerSettings(db: Kysely<DB>, mine: PeerSettings, now: Date): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    const keys = Object.values(STORED).map((s) => s.key)
    const rows = await trx
      .selectFrom('gateway_settings')
      .select(['key', 'value', 'updated_at'])
      .where('key', 'in', keys)
      .forUpdate()
      .execute()
    const stored = new Map(rows.map((r) => [r.key, r]))
    const lines: string[] = []
    for (const [name, { key, variable, why }] of Object.entries(STORED) as Array<[keyof PeerSettings, Stored]>) {
      const value = text(mine[name])
      const theirs = stored.get(key)
      if (theirs && theirs.value !== value) {
        lines.push(
          `${variable} is "${value}" here but "${theirs.value}" on the instance that last started on this database (${new Date(theirs.updated_at).toISOString()}): ` +
            `instances on one database must share it, or ${why} (expected once per instance during a planned change)`,
        )
      }
      await trx
        .insertInto('gateway_settings')
        .values({ key, value, updated_at: now })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
        .execute()
    }
    return lines
  })
}
