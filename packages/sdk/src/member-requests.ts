// Requests a member signs with one of its own active keys, beyond authentication: registering a new
// key (POST /v1/members/{code}/keys) and withdrawing a record (POST …/{id}:withdraw). Short-lived
// (the gateway accepts at most 5 minutes) and single-use (a fresh jti each).
import { randomUUID } from 'node:crypto'
import { type CryptoKey, type JWK, type KeyObject, SignJWT } from 'jose'
import { JWT_TYP } from './jwt-types.js'

export interface MemberSigner {
  member: string
  kid: string
  key: CryptoKey | KeyObject
  alg?: 'ES256' | 'EdDSA'
  /** The gateway's issuer identifier (from /.well-known/oauth-authorization-server). */
  audience: string
  now?: Date
}

/** A JWT signed by a member about itself (iss = sub = member) for the gateway: assertions and signed requests. */
export async function signMemberJwt(s: MemberSigner, typ: string, claims: Record<string, unknown>, lifetimeSeconds = 120): Promise<string> {
  const iat = Math.floor((s.now ?? new Date()).getTime() / 1000)
  return new SignJWT(claims)
    .setProtectedHeader({ alg: s.alg ?? 'ES256', typ, kid: s.kid })
    .setIssuer(s.member)
    .setSubject(s.member)
    .setAudience(s.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetimeSeconds)
    .setJti(randomUUID())
    .sign(s.key)
}

/** The body `request` of POST /v1/members/{code}/keys: `jwk` is the new public key (kid = its thumbprint). */
export const signKeyRegistration = (s: MemberSigner & { jwk: JWK }): Promise<string> =>
  signMemberJwt(s, JWT_TYP.keyRegistration, {
    jwk: {
      kty: s.jwk.kty,
      crv: s.jwk.crv,
      x: s.jwk.x,
      y: s.jwk.y,
      kid: s.jwk.kid,
      alg: s.jwk.alg ?? (s.jwk.kty === 'OKP' ? 'EdDSA' : 'ES256'),
    },
  })

/** The body `request` of POST /v1/records/{originator}/{id}:withdraw, naming the record and why. */
export const signRecordWithdrawal = (s: MemberSigner & { record: string; reason: string }): Promise<string> =>
  // Record ids are UUIDs, which the gateway compares in lower case.
  signMemberJwt(s, JWT_TYP.recordWithdrawal, { record: s.record.toLowerCase(), reason: s.reason })
