// The gateway's symmetric secret (GATEWAY_SECRET_KEYS, a JWKS of 256-bit "oct" keys): it seals what
// a member holds but must not read (event cursors, which would otherwise show other members' traffic)
// and, later, what the gateway keeps but must not store in clear. The first key seals; all open.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { base64url, type JWK } from 'jose'
import { type Config, ConfigError } from '../config.js'
import { readPrivateJwks } from './gateway-keys.js'

/** What a sealed value is for: each purpose has its own derived key, so one can never open as another. */
export type SealPurpose = 'event-cursor' | 'webhook-secret'
type Derivation = SealPurpose | 'fingerprint'

export interface GatewaySecret {
  /** AES-256-GCM under a fresh random nonce: sealing the same value twice gives unrelated strings. */
  seal(purpose: SealPurpose, plaintext: string): string
  /** The plaintext, or null for anything this gateway did not seal for `purpose` (never throws). */
  open(purpose: SealPurpose, sealed: string): string | null
  /** One short id per key, derived one-way (safe to log and store): instances compare them at start. */
  readonly fingerprints: readonly string[]
}

const IV = 12
const TAG = 16
const SEALED = /^[A-Za-z0-9_-]{38,2048}$/

function derive(key: Uint8Array, purpose: Derivation): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `icacn-exchange:${purpose}:v1`, 32))
}

export function gatewaySecret(keys: readonly Uint8Array[]): GatewaySecret {
  if (keys.length === 0) throw new Error('no secret keys')
  const derived = new Map<SealPurpose, Buffer[]>()
  const keysFor = (p: SealPurpose): Buffer[] => {
    let list = derived.get(p)
    if (!list) derived.set(p, (list = keys.map((k) => derive(k, p))))
    return list
  }
  return {
    fingerprints: keys.map((k) => derive(k, 'fingerprint').subarray(0, 12).toString('base64url')),
    seal(purpose, plaintext) {
      const iv = randomBytes(IV)
      const cipher = createCipheriv('aes-256-gcm', keysFor(purpose)[0]!, iv)
      cipher.setAAD(Buffer.from(purpose))
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()])
      return Buffer.concat([iv, body]).toString('base64url')
    },
    open(purpose, sealed) {
      if (!SEALED.test(sealed)) return null
      const raw = Buffer.from(sealed, 'base64url')
      if (raw.length < IV + TAG) return null
      for (const key of keysFor(purpose)) {
        try {
          const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV))
          decipher.setAAD(Buffer.from(purpose))
          decipher.setAuthTag(raw.subarray(raw.length - TAG))
          return Buffer.concat([decipher.update(raw.subarray(IV, raw.length - TAG)), decipher.final()]).toString('utf8')
        } catch {
          // not sealed under this key: try the next
        }
      }
      return null
    },
  }
}

function readSecretKeys(file: string): Uint8Array[] {
  const variable = 'GATEWAY_SECRET_KEYS'
  const jwks = readPrivateJwks(file, variable) as { keys?: JWK[] }
  if (!Array.isArray(jwks.keys) || jwks.keys.length === 0)
    throw new ConfigError(variable, `key file ${file} must be a JWKS with at least one key`)
  return jwks.keys.map((k, i) => {
    const bytes = k.kty === 'oct' && typeof k.k === 'string' ? base64url.decode(k.k) : new Uint8Array()
    if (bytes.length < 32) throw new ConfigError(variable, `key ${i} in ${file} must be {"kty":"oct","k":…} of at least 256 bits`)
    return bytes
  })
}

/** A new secret key file: one 256-bit "oct" key (used for development, and by `icacn keys` docs). */
export function newSecretJwks(): { keys: JWK[] } {
  return { keys: [{ kty: 'oct', k: randomBytes(32).toString('base64url'), alg: 'A256GCM' }] }
}

/** Production reads GATEWAY_SECRET_KEYS; development generates `$DATA_DIR/dev-keys/gateway-secret.jwks.json` once. */
export function loadGatewaySecret(config: Config): { secret: GatewaySecret; generated: boolean } {
  if (config.gatewaySecretKeysFile) return { secret: gatewaySecret(readSecretKeys(config.gatewaySecretKeysFile)), generated: false }
  if (config.mode === 'production') throw new ConfigError('GATEWAY_SECRET_KEYS', 'is required in production mode')
  const file = path.join(config.dataDir, 'dev-keys', 'gateway-secret.jwks.json')
  let generated = false
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
    fs.writeFileSync(file, JSON.stringify(newSecretJwks(), null, 2), { mode: 0o600, flag: 'wx' })
    generated = true
  }
  return { secret: gatewaySecret(readSecretKeys(file)), generated }
}
