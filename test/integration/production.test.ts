// Production mode: starts only with a trust list and gateway key files, generates no keys,
// registers the trust-listed member keys, and refuses key files readable by others.
import fs from 'node:fs'
import path from 'node:path'
import { calculateJwkThumbprint, type CryptoKey, exportJWK, generateKeyPair, SignJWT } from 'jose'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newSecretJwks } from '../../src/auth/gateway-secret.js'
import { buildApp } from '../../src/app.js'
import { ConfigError, loadConfig } from '../../src/config.js'
import { freshDatabase, type FreshDatabase } from '../support/database.js'
import { tokenForm } from '../support/app.js'

const ISSUER = 'https://exchange.icacn.example'
let db: FreshDatabase
let env: Record<string, string>
let thKey: CryptoKey
let thKid: string

async function privateJwks(file: string): Promise<void> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  fs.writeFileSync(file, JSON.stringify({ keys: [await exportJWK(privateKey)] }), { mode: 0o600 })
}

beforeAll(async () => {
  db = await freshDatabase()
  const secrets = path.join(db.dataDir, 'secrets')
  fs.mkdirSync(secrets, { mode: 0o700 })
  await privateJwks(path.join(secrets, 'tokens.jwks.json'))
  await privateJwks(path.join(secrets, 'receipts.jwks.json'))
  fs.writeFileSync(path.join(secrets, 'secret.jwks.json'), JSON.stringify(newSecretJwks()), { mode: 0o600 })
  const trust: Record<string, { keys: object[] }> = {}
  for (const code of ['KR', 'TH', 'LA', 'VN', 'KH', 'PH']) {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
    trust[code] = { keys: [await exportJWK(publicKey)] }
    if (code === 'TH') {
      thKey = privateKey as CryptoKey
      thKid = await calculateJwkThumbprint(await exportJWK(publicKey))
    }
  }
  fs.writeFileSync(path.join(secrets, 'trust.json'), JSON.stringify(trust))
  env = {
    ...db.env,
    ICACN_MODE: 'production',
    LOG_LEVEL: 'silent',
    GATEWAY_AUDIENCE: ISSUER,
    MEMBER_TRUST_LIST: path.join(secrets, 'trust.json'),
    GATEWAY_TOKEN_KEYS: path.join(secrets, 'tokens.jwks.json'),
    GATEWAY_RECEIPT_KEYS: path.join(secrets, 'receipts.jwks.json'),
    GATEWAY_SECRET_KEYS: path.join(secrets, 'secret.jwks.json'),
  }
})
afterAll(async () => db?.cleanup())

describe('production mode', () => {
  it('starts from the trust list and key files, generates no keys, and authenticates a trust-listed member', async () => {
    const app = await buildApp(loadConfig(env))
    try {
      expect(fs.existsSync(path.join(db.dataDir, 'dev-keys'))).toBe(false)
      const now = Math.floor(Date.now() / 1000)
      const assertion = await new SignJWT({ actor: 'ระบบข่าวกรอง ป.ป.ส.', roles: ['analyst'] })
        .setProtectedHeader({ alg: 'ES256', typ: 'client-authentication+jwt', kid: thKid })
        .setIssuer('TH')
        .setSubject('TH')
        .setAudience(ISSUER)
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .setJti(randomUUID())
        .sign(thKey)
      const res = await app.inject({
        method: 'POST',
        url: '/v1/auth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: tokenForm(assertion),
      })
      expect(res.statusCode).toBe(200)
      const graphiql = await app.inject({ method: 'GET', url: '/graphiql' })
      expect(graphiql.statusCode).toBe(404)
    } finally {
      await app.close()
    }
  })

  it('is idempotent on restart: trust-listed keys are not registered twice', async () => {
    const app = await buildApp(loadConfig(env))
    try {
      const keys = await app.db.selectFrom('member_keys').select('kid').execute()
      expect(keys).toHaveLength(6)
    } finally {
      await app.close()
    }
  })

  it('refuses a gateway key file readable by group or others, naming the variable', async () => {
    fs.chmodSync(env.GATEWAY_TOKEN_KEYS!, 0o644)
    try {
      await expect(buildApp(loadConfig(env))).rejects.toSatisfy(
        (e: unknown) => e instanceof ConfigError && e.variable === 'GATEWAY_TOKEN_KEYS' && /chmod 600/.test(e.message),
      )
    } finally {
      fs.chmodSync(env.GATEWAY_TOKEN_KEYS!, 0o600)
    }
  })

  it('refuses a trust list naming an unknown member', async () => {
    const bad = path.join(db.dataDir, 'secrets', 'bad-trust.json')
    fs.writeFileSync(
      bad,
      JSON.stringify({ SG: { keys: [await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey)] } }),
    )
    await expect(buildApp(loadConfig({ ...env, MEMBER_TRUST_LIST: bad }))).rejects.toSatisfy(
      (e: unknown) => e instanceof ConfigError && e.variable === 'MEMBER_TRUST_LIST',
    )
  })
})
