// Production-mode fixtures: the key files and trust list a production gateway requires, made in a
// fresh database's directory, and client assertions signed with a trust-listed member's own key.
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { calculateJwkThumbprint, type CryptoKey, exportJWK, generateKeyPair, SignJWT } from 'jose'
import { newSecretJwks } from '../../src/auth/gateway-secret.js'
import type { FreshDatabase } from './database.js'

export interface Production {
  /** The environment of a production gateway on `db`, silent. */
  env: Record<string, string>
  /** Where the key files and trust list are (mode 0700). */
  secrets: string
  /** A client assertion (analyst, 60 s) signed with `member`'s trust-listed key for the audience. */
  assertion(member: string, actor: string): Promise<string>
}

const MEMBERS = ['KR', 'TH', 'LA', 'VN', 'KH', 'PH']

export async function productionSetup(db: FreshDatabase, audience: string): Promise<Production> {
  const secrets = path.join(db.dataDir, 'secrets')
  fs.mkdirSync(secrets, { mode: 0o700 })
  const write = (name: string, value: unknown) => {
    const file = path.join(secrets, name)
    fs.writeFileSync(file, JSON.stringify(value), { mode: 0o600 })
    return file
  }
  const privateJwks = async () => ({ keys: [await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey)] })
  const trust: Record<string, { keys: object[] }> = {}
  const keys = new Map<string, { key: CryptoKey; kid: string }>()
  for (const code of MEMBERS) {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
    const jwk = await exportJWK(publicKey)
    trust[code] = { keys: [jwk] }
    keys.set(code, { key: privateKey, kid: await calculateJwkThumbprint(jwk) })
  }
  const env = {
    ...db.env,
    ICACN_MODE: 'production',
    LOG_LEVEL: 'silent',
    GATEWAY_AUDIENCE: audience,
    MEMBER_TRUST_LIST: write('trust.json', trust),
    GATEWAY_TOKEN_KEYS: write('tokens.jwks.json', await privateJwks()),
    GATEWAY_RECEIPT_KEYS: write('receipts.jwks.json', await privateJwks()),
    GATEWAY_SECRET_KEYS: write('secret.jwks.json', newSecretJwks()),
  }
  return {
    env,
    secrets,
    async assertion(member, actor) {
      const { key, kid } = keys.get(member)!
      const now = Math.floor(Date.now() / 1000)
      return new SignJWT({ actor, roles: ['analyst'] })
        .setProtectedHeader({ alg: 'ES256', typ: 'client-authentication+jwt', kid })
        .setIssuer(member)
        .setSubject(member)
        .setAudience(audience)
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .setJti(randomUUID())
        .sign(key)
    },
  }
}
