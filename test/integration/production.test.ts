// Production mode: starts only with a trust list and gateway key files, generates no keys,
// registers the trust-listed member keys, and refuses key files readable by others.
import fs from 'node:fs'
import path from 'node:path'
import { exportJWK, generateKeyPair } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { ConfigError, loadConfig } from '../../src/config.js'
import { freshDatabase, type FreshDatabase } from '../support/database.js'
import { tokenForm } from '../support/app.js'
import { type Production, productionSetup } from '../support/production.js'

const ISSUER = 'https://exchange.icacn.example'
let db: FreshDatabase
let prod: Production
let env: Record<string, string>

beforeAll(async () => {
  db = await freshDatabase()
  prod = await productionSetup(db, ISSUER)
  env = prod.env
})
afterAll(async () => db?.cleanup())

describe('production mode', () => {
  it('starts from the trust list and key files, generates no keys, and authenticates a trust-listed member', async () => {
    const app = await buildApp(loadConfig(env))
    try {
      expect(fs.existsSync(path.join(db.dataDir, 'dev-keys'))).toBe(false)
      const assertion = await prod.assertion('TH', 'ระบบข่าวกรอง ป.ป.ส.')
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
    const bad = path.join(prod.secrets, 'bad-trust.json')
    fs.writeFileSync(
      bad,
      JSON.stringify({ SG: { keys: [await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey)] } }),
    )
    await expect(buildApp(loadConfig({ ...env, MEMBER_TRUST_LIST: bad }))).rejects.toSatisfy(
      (e: unknown) => e instanceof ConfigError && e.variable === 'MEMBER_TRUST_LIST',
    )
  })
})
