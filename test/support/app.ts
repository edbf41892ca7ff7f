// Builds a real gateway (development mode, fresh database, dev keys) and signs assertions for tests.
import type { FastifyInstance } from 'fastify'
import { type CryptoKey, SignJWT } from 'jose'
import { randomUUID } from 'node:crypto'
import { type AppOptions, buildApp } from '../../src/app.js'
import { type Config, loadConfig } from '../../src/config.js'
import { loadDevMemberKey } from '../../src/members/dev-keys.js'
import { freshDatabase, type FreshDatabase } from './database.js'

export const ISSUER = 'https://exchange.icacn.test'

export interface TestGateway {
  app: FastifyInstance
  config: Config
  db: FreshDatabase
  memberKey(code: string): Promise<{ kid: string; key: CryptoKey }>
  assertion(code: string, opts?: AssertionOptions): Promise<string>
  token(code: string, roles?: string[], purpose?: string): Promise<string>
  close(): Promise<void>
}

export interface AssertionOptions {
  roles?: string[]
  actor?: string
  purpose?: string
  iss?: string
  sub?: string
  aud?: string
  typ?: string
  kid?: string
  key?: CryptoKey
  iat?: number
  exp?: number
  jti?: string
  extraHeader?: Record<string, unknown>
}

export async function startGateway(env: Record<string, string> = {}, options: AppOptions = {}): Promise<TestGateway> {
  const db = await freshDatabase()
  const config = loadConfig({ ICACN_MODE: 'development', LOG_LEVEL: 'silent', GATEWAY_AUDIENCE: ISSUER, ...db.env, ...env })
  const app = await buildApp(config, options)
  await app.ready()
  const keys = new Map<string, { kid: string; key: CryptoKey }>()
  const memberKey = async (code: string) => {
    if (!keys.has(code)) keys.set(code, await loadDevMemberKey(config.dataDir, code))
    return keys.get(code)!
  }
  const assertion = async (code: string, o: AssertionOptions = {}) => {
    const mk = await memberKey(code)
    const iat = o.iat ?? Math.floor(Date.now() / 1000)
    return new SignJWT({
      actor: o.actor ?? `analyst.${code.toLowerCase()}@example.test`,
      roles: o.roles ?? ['analyst'],
      ...(o.purpose ? { purpose: o.purpose } : {}),
    })
      .setProtectedHeader({ alg: 'ES256', typ: o.typ ?? 'client-authentication+jwt', kid: o.kid ?? mk.kid, ...o.extraHeader })
      .setIssuer(o.iss ?? code)
      .setSubject(o.sub ?? o.iss ?? code)
      .setAudience(o.aud ?? ISSUER)
      .setIssuedAt(iat)
      .setExpirationTime(o.exp ?? iat + 60)
      .setJti(o.jti ?? randomUUID())
      .sign(o.key ?? mk.key)
  }
  const token = async (code: string, roles: string[] = ['analyst'], purpose?: string) => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      payload: tokenForm(await assertion(code, { roles, ...(purpose ? { purpose } : {}) })),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    if (res.statusCode !== 200) throw new Error(`token for ${code} refused: ${res.body}`)
    return res.json().access_token as string
  }
  return {
    app,
    config,
    db,
    memberKey,
    assertion,
    token,
    async close() {
      await app.close()
      await db.cleanup()
    },
  }
}

export function tokenForm(assertion: string, extra: Record<string, string> = {}): string {
  return new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
    ...extra,
  }).toString()
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
