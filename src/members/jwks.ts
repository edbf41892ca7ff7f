// Pure rules for member public keys: which keys are acceptable, their kid (RFC 7638 thumbprint),
// and whether a key may verify something the gateway received at a given time.
import { calculateJwkThumbprint, type JWK } from 'jose'
import { errors } from '../errors.js'
import { generateMemberKey } from '@icacn/sdk'

export const ACCEPTED_ALGS = ['ES256', 'EdDSA'] as const
export type KeyAlg = (typeof ACCEPTED_ALGS)[number]

export interface MemberKey {
  memberCode: string
  kid: string
  alg: KeyAlg
  publicJwk: JWK
  registeredBy: string
  createdAt: Date
  retiredAt: Date | null
  revokedAt: Date | null
  revocationReason: string | null
}

export type KeyStatus = 'active' | 'retired' | 'revoked'

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

/**
 * Validates a submitted public JWK and returns its canonical public form with kid = RFC 7638
 * thumbprint. Only P-256 (ES256) and Ed25519 (EdDSA) keys are accepted; private members are refused
 * so a member can never hand the gateway its private key by mistake.
 */
export async function canonicalPublicJwk(input: unknown): Promise<{ alg: KeyAlg; kid: string; jwk: JWK }> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw errors.invalidKey('jwk must be a JSON object')
  const j = input as Record<string, unknown>
  for (const m of PRIVATE_MEMBERS) {
    if (m in j) throw errors.invalidKey(`jwk contains private key material ("${m}"); send the public key only`)
  }
  let alg: KeyAlg
  let jwk: JWK
  if (j.kty === 'EC' && j.crv === 'P-256' && typeof j.x === 'string' && typeof j.y === 'string') {
    alg = 'ES256'
    jwk = { kty: 'EC', crv: 'P-256', x: j.x, y: j.y }
  } else if (j.kty === 'OKP' && j.crv === 'Ed25519' && typeof j.x === 'string') {
    alg = 'EdDSA'
    jwk = { kty: 'OKP', crv: 'Ed25519', x: j.x }
  } else {
    throw errors.invalidKey('only EC P-256 (ES256) and OKP Ed25519 (EdDSA) public keys are accepted')
  }
  if (j.alg !== undefined && j.alg !== alg) throw errors.invalidKey(`jwk alg "${String(j.alg)}" does not match its key type (${alg})`)
  if (j.use !== undefined && j.use !== 'sig') throw errors.invalidKey('jwk use must be "sig"')
  const kid = await calculateJwkThumbprint(jwk, 'sha256')
  if (j.kid !== undefined && j.kid !== kid) throw errors.invalidKey(`jwk kid must be its RFC 7638 SHA-256 thumbprint (${kid})`)
  return { alg, kid, jwk: { ...jwk, kid, alg, use: 'sig' } }
}

export function keyStatus(key: Pick<MemberKey, 'retiredAt' | 'revokedAt'>, at: Date): KeyStatus {
  if (key.revokedAt) return 'revoked'
  if (key.retiredAt && key.retiredAt.getTime() <= at.getTime()) return 'retired'
  return 'active'
}

/**
 * Throws unless `key` may verify something the gateway received at `receivedAt`. A revoked key is
 * trusted for nothing; a retired key only for what arrived before its retirement, judged by the
 * gateway's own receipt time and never by the signer's `iat`, which the signer controls.
 */
export function assertKeyUsable(key: Pick<MemberKey, 'retiredAt' | 'revokedAt'>, receivedAt: Date): void {
  const status = keyStatus(key, receivedAt)
  if (status === 'revoked') throw errors.keyRevoked()
  if (status === 'retired') throw errors.keyRetired()
}

/** The JWKS a partner needs to verify a member's signatures offline: revoked keys are left out. */
export function publicJwks(keys: readonly MemberKey[]): { keys: JWK[] } {
  return {
    keys: keys
      .filter((k) => !k.revokedAt)
      .map((k) => ({ ...k.publicJwk, kid: k.kid, alg: k.alg, use: 'sig', ...(k.retiredAt ? { exp: k.retiredAt.getTime() / 1000 } : {}) })),
  }
}

/** A new ES256 (P-256) private JWK with kid = thumbprint and alg set: for development and gateway key files. */
export async function newEs256PrivateJwk(): Promise<JWK> {
  return (await generateMemberKey()).privateJwk
}
