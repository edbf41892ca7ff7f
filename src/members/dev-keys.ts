// Development mode only: one ES256 key pair per member, private halves under $DATA_DIR/dev-keys/
// (mode 0600, git-ignored) so a fresh clone can sign assertions; public halves are registered.
import fs from 'node:fs'
import path from 'node:path'
import { calculateJwkThumbprint, type CryptoKey, importJWK, type JWK } from 'jose'
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { appendAudit } from '../audit/audit.repository.js'
import { newEs256PrivateJwk } from './jwks.js'
import { insertKey, kidExists } from './key.repository.js'
import { listMembers } from './member.repository.js'

export const devKeyFile = (dataDir: string, code: string) => path.join(dataDir, 'dev-keys', `${code}.private.jwk.json`)

async function createDevKey(file: string): Promise<JWK> {
  const jwk = await newEs256PrivateJwk()
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  fs.writeFileSync(file, JSON.stringify(jwk, null, 2), { mode: 0o600, flag: 'wx' })
  return jwk
}

/** Ensures every member has a dev key file and that its public half is registered. Returns what it did. */
export async function ensureDevMemberKeys(
  db: Kysely<DB>,
  dataDir: string,
  now: Date,
): Promise<{ generated: string[]; registered: string[] }> {
  const generated: string[] = []
  const registered: string[] = []
  for (const m of await listMembers(db)) {
    const file = devKeyFile(dataDir, m.code)
    let jwk: JWK
    if (fs.existsSync(file)) {
      jwk = JSON.parse(fs.readFileSync(file, 'utf8')) as JWK
    } else {
      jwk = await createDevKey(file)
      generated.push(m.code)
    }
    // The coalition profile's kid is the RFC 7638 thumbprint: a hand-edited dev key file must not register another.
    const kid = await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, 'sha256')
    if (jwk.kid !== kid) throw new Error(`${file}: kid must be the key's RFC 7638 thumbprint (${kid})`)
    if (await kidExists(db, kid)) continue
    await db.transaction().execute(async (trx) => {
      const publicJwk: JWK = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid, alg: 'ES256', use: 'sig' }
      await insertKey(trx, { memberCode: m.code, kid, alg: 'ES256', publicJwk, registeredBy: 'development-seed', createdAt: now })
      await appendAudit(trx, {
        at: now,
        actor: { kind: 'gateway' },
        action: 'member.key.registered',
        subject: `member:${m.code}`,
        details: { kid, alg: 'ES256', development: true },
      })
    })
    registered.push(m.code)
  }
  return { generated, registered }
}

/** Loads a member's development private key (for the token CLI and tests). */
export async function loadDevMemberKey(dataDir: string, code: string): Promise<{ kid: string; key: CryptoKey }> {
  const file = devKeyFile(dataDir, code)
  if (!fs.existsSync(file))
    throw new Error(`no development key for ${code} at ${file}; start the gateway once in development mode to create it`)
  const jwk = JSON.parse(fs.readFileSync(file, 'utf8')) as JWK
  return { kid: jwk.kid as string, key: (await importJWK(jwk, 'ES256')) as CryptoKey }
}
