// The gateway's own signing keys: one set for access tokens, one for receipts and key-binding JWTs.
// Each set is a private JWKS file whose first key signs; later keys are retired but kept, so what
// they signed still verifies (receipts must stay verifiable after rotation).
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { type Config, ConfigError } from '../config.js'
import { newEs256PrivateJwk } from '../members/jwks.js'

export interface GatewayKey {
  kid: string
  alg: 'ES256'
  privateKey: KeyObject
  publicKey: KeyObject
  publicJwk: JWK
  /** SPKI PEM of the public key, for @fastify/jwt (fast-jwt takes PEM). */
  publicPem: string
}

export interface GatewayKeySet {
  active: GatewayKey
  all: readonly GatewayKey[]
  byKid(kid: string): GatewayKey | undefined
}

export interface GatewayKeys {
  accessToken: GatewayKeySet
  receipt: GatewayKeySet
}

async function importKey(jwk: JWK, source: string): Promise<GatewayKey> {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') {
    throw new Error(`${source}: every key must be a private EC P-256 JWK (ES256)`)
  }
  const publicJwk: JWK = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }
  const kid = jwk.kid ?? (await calculateJwkThumbprint(publicJwk, 'sha256'))
  const privateKey = createPrivateKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, d: jwk.d }, format: 'jwk' })
  const publicKey = createPublicKey(privateKey)
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }) as string
  return { kid, alg: 'ES256', privateKey, publicKey, publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' }, publicPem }
}

function keySet(keys: GatewayKey[], source: string): GatewayKeySet {
  const [active] = keys
  if (!active) throw new Error(`${source}: the JWKS holds no keys`)
  const map = new Map(keys.map((k) => [k.kid, k]))
  if (map.size !== keys.length) throw new Error(`${source}: duplicate kid`)
  return { active, all: keys, byKid: (kid) => map.get(kid) }
}

/** A private JWKS file as configured: present, readable by its owner only (fail closed), valid JSON. */
export function readPrivateJwks(file: string, variable: string): { keys?: unknown } {
  let stat: fs.Stats
  try {
    stat = fs.statSync(file)
  } catch {
    throw new ConfigError(variable, `key file ${file} does not exist`)
  }
  // Private keys readable by group or others are refused rather than used (fail closed).
  if ((stat.mode & 0o077) !== 0) throw new ConfigError(variable, `key file ${file} must not be readable by group or others (chmod 600)`)
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch {
    throw new ConfigError(variable, `key file ${file} is not valid JSON`)
  }
}

async function readKeySet(file: string, variable: string): Promise<GatewayKeySet> {
  const jwks = readPrivateJwks(file, variable) as { keys?: JWK[] }
  if (!Array.isArray(jwks.keys)) throw new ConfigError(variable, `key file ${file} must be a JWKS: { "keys": [ ... ] }`)
  try {
    return keySet(await Promise.all(jwks.keys.map((k) => importKey(k, file))), file)
  } catch (e) {
    throw new ConfigError(variable, (e as Error).message)
  }
}

async function generateKeySetFile(file: string): Promise<void> {
  const jwk = await newEs256PrivateJwk()
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  fs.writeFileSync(file, JSON.stringify({ keys: [jwk] }, null, 2), { mode: 0o600, flag: 'wx' })
}

/**
 * Loads the gateway keys. Production reads the configured files and never generates anything;
 * development generates missing key files under `$DATA_DIR/dev-keys/` on first start.
 */
export async function loadGatewayKeys(config: Config): Promise<{ keys: GatewayKeys; generated: string[] }> {
  const generated: string[] = []
  const resolve = async (configured: string | null, variable: string, devName: string): Promise<GatewayKeySet> => {
    if (configured) return readKeySet(configured, variable)
    if (config.mode === 'production') throw new ConfigError(variable, 'is required in production mode')
    const file = path.join(config.dataDir, 'dev-keys', devName)
    if (!fs.existsSync(file)) {
      await generateKeySetFile(file)
      generated.push(devName)
    }
    return readKeySet(file, variable)
  }
  const accessToken = await resolve(config.gatewayTokenKeysFile, 'GATEWAY_TOKEN_KEYS', 'gateway-access-token.jwks.json')
  const receipt = await resolve(config.gatewayReceiptKeysFile, 'GATEWAY_RECEIPT_KEYS', 'gateway-receipt.jwks.json')
  if (accessToken.all.some((k) => receipt.byKid(k.kid))) {
    throw new ConfigError('GATEWAY_RECEIPT_KEYS', 'receipt keys must differ from access-token keys')
  }
  return { keys: { accessToken, receipt }, generated }
}

export type GatewayKeyUse = 'access-token' | 'key-binding'

/**
 * The public JWKS served at /.well-known/jwks.json: active and retained keys of both sets, each
 * marked with `icacn_use` so a client never has to guess which key binds presentations; the
 * active key of each set comes first within it.
 */
export function gatewayJwks(keys: GatewayKeys): { keys: Array<JWK & { icacn_use: GatewayKeyUse }> } {
  return {
    keys: [
      ...keys.accessToken.all.map((k) => ({ ...k.publicJwk, icacn_use: 'access-token' as const })),
      ...keys.receipt.all.map((k) => ({ ...k.publicJwk, icacn_use: 'key-binding' as const })),
    ],
  }
}

/** The key an originator names in cnf.jwk: the active key-binding key from a gateway JWKS. */
export function activeKeyBindingKey<K extends JWK & { icacn_use?: string }>(jwks: { keys: K[] }): K | undefined {
  return jwks.keys.find((k) => k.icacn_use === 'key-binding')
}
