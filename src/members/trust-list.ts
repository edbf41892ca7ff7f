// Production: imports the member trust list (JSON `{ "KR": { "keys": [...] }, ... }`) at start.
// Only adds keys that are not registered yet; a key already retired or revoked stays so.
import fs from 'node:fs'
import type { Kysely } from 'kysely'
import { ConfigError } from '../config.js'
import type { DB } from '../db/schema.js'
import { appendAudit } from '../audit/audit.repository.js'
import { AppError } from '../errors.js'
import { canonicalPublicJwk } from './jwks.js'
import { findKey, insertKey, kidExists } from './key.repository.js'
import { listMembers } from './member.repository.js'

const VAR = 'MEMBER_TRUST_LIST'

export async function importTrustList(db: Kysely<DB>, file: string, now: Date): Promise<{ registered: string[] }> {
  let doc: Record<string, { keys?: unknown[] }>
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (e) {
    throw new ConfigError(VAR, `cannot read trust list ${file}: ${(e as Error).message}`)
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new ConfigError(VAR, 'trust list must be an object keyed by member code')
  const known = new Set((await listMembers(db)).map((m) => m.code))
  const registered: string[] = []
  for (const [code, jwks] of Object.entries(doc)) {
    if (!known.has(code)) throw new ConfigError(VAR, `trust list names unknown member "${code}"`)
    if (!Array.isArray(jwks?.keys) || jwks.keys.length === 0)
      throw new ConfigError(VAR, `trust list entry ${code} must be a JWKS with at least one key`)
    for (const input of jwks.keys) {
      let canon
      try {
        canon = await canonicalPublicJwk(input)
      } catch (e) {
        throw new ConfigError(VAR, `member ${code}: ${e instanceof AppError ? e.message : String(e)}`)
      }
      if (await findKey(db, code, canon.kid)) continue
      if (await kidExists(db, canon.kid)) throw new ConfigError(VAR, `key ${canon.kid} listed for ${code} is registered to another member`)
      await db.transaction().execute(async (trx) => {
        await insertKey(trx, {
          memberCode: code,
          kid: canon.kid,
          alg: canon.alg,
          publicJwk: canon.jwk,
          registeredBy: 'trust-list',
          createdAt: now,
        })
        await appendAudit(trx, {
          at: now,
          actor: { kind: 'operator', name: 'trust-list' },
          action: 'member.key.registered',
          subject: `member:${code}`,
          details: { kid: canon.kid, alg: canon.alg, source: file },
        })
      })
      registered.push(`${code}:${canon.kid}`)
    }
  }
  return { registered }
}
