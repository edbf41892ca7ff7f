// Verifies a JWT signed by a member key (client assertions, signed key-registration requests).
// The key is found by (iss, kid) in the registry only: jku, x5u and embedded jwk headers are never
// consulted (RFC 8725 §3.10), and only ES256/EdDSA are accepted (RFC 8725 §3.1).
import * as jose from 'jose'
import type { Kysely, Transaction } from 'kysely'
import type { DB } from '../db/schema.js'
import { AppError, errors } from '../errors.js'
import { CLOCK_TOLERANCE_S } from '@icacn/sdk'
import { ACCEPTED_ALGS, assertKeyUsable, type MemberKey } from '../members/jwks.js'
import { findKey } from '../members/key.repository.js'

export { CLOCK_TOLERANCE_S }
const MEMBER_CODE = /^[A-Z]{2}$/

export interface MemberJwtOptions {
  /** Expected header `typ` (RFC 8725 §3.11: explicit typing, so one kind never passes for another). */
  typ: string
  audience: string
  now: Date
  maxLifetimeSeconds: number
  /** Used in error details: "client assertion", "key registration request". */
  what: string
}

export interface VerifiedMemberJwt {
  member: string
  key: MemberKey
  payload: jose.JWTPayload & { jti: string; iat: number; exp: number }
}

const normTyp = (t: unknown) => (typeof t === 'string' ? t.toLowerCase().replace(/^application\//, '') : undefined)

/** Maps jose's errors to ours at the boundary; anything unexpected becomes a generic malformed error. */
export function mapJoseError(e: unknown, what: string): AppError {
  if (e instanceof AppError) return e
  if (e instanceof jose.errors.JWSSignatureVerificationFailed) return errors.badSignature()
  if (e instanceof jose.errors.JWTExpired) return errors.tokenExpired(what)
  if (e instanceof jose.errors.JOSEAlgNotAllowed) return errors.algorithmNotAllowed('(not allowed)')
  if (e instanceof jose.errors.JWTClaimValidationFailed) {
    if (e.claim === 'aud') return errors.wrongAudience()
    if (e.claim === 'iss' || e.claim === 'sub') return errors.wrongIssuer(`${what}: iss and sub must both be the member code`)
    if (e.claim === 'typ') return errors.wrongType('(see documentation)')
    if ((e.claim === 'iat' || e.claim === 'nbf') && e.reason === 'check_failed') return errors.tokenNotYetValid(what)
    return errors.invalidClaims(`${what}: ${e.message}`)
  }
  return errors.tokenMalformed(what)
}

/**
 * Checks header typ and alg, looks the key up by (iss, kid), refuses retired or revoked keys (judged at
 * the gateway's `now`), verifies the signature and then aud, iss = sub, exp, iat, jti and lifetime.
 * It does not consume the jti or check member status: callers do that in their own transaction.
 */
export async function verifyMemberJwt(db: Kysely<DB> | Transaction<DB>, token: string, opts: MemberJwtOptions): Promise<VerifiedMemberJwt> {
  let header: jose.ProtectedHeaderParameters
  let unverified: jose.JWTPayload
  try {
    if (token.split('.').length !== 3) throw new Error('not compact')
    header = jose.decodeProtectedHeader(token)
    unverified = jose.decodeJwt(token)
  } catch {
    throw errors.tokenMalformed(opts.what)
  }
  if (normTyp(header.typ) !== opts.typ) throw errors.wrongType(opts.typ)
  if (!(ACCEPTED_ALGS as readonly unknown[]).includes(header.alg)) throw errors.algorithmNotAllowed(header.alg)
  const iss = unverified.iss
  if (typeof header.kid !== 'string' || typeof iss !== 'string' || !MEMBER_CODE.test(iss)) throw errors.unknownKey()
  const key = await findKey(db, iss, header.kid)
  if (!key) throw errors.unknownKey()
  if (key.alg !== header.alg) throw errors.algorithmNotAllowed(header.alg)
  assertKeyUsable(key, opts.now)

  let payload: jose.JWTPayload
  try {
    const publicKey = await jose.importJWK({ ...key.publicJwk, alg: key.alg }, key.alg)
    ;({ payload } = await jose.jwtVerify(token, publicKey, {
      algorithms: [key.alg],
      typ: opts.typ,
      audience: opts.audience,
      issuer: iss,
      subject: iss,
      currentDate: opts.now,
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti'],
    }))
  } catch (e) {
    throw mapJoseError(e, opts.what)
  }
  const { iat, exp, jti } = payload as { iat: number; exp: number; jti: unknown }
  if (iat > opts.now.getTime() / 1000 + CLOCK_TOLERANCE_S) throw errors.tokenNotYetValid(opts.what)
  if (exp - iat > opts.maxLifetimeSeconds) throw errors.lifetimeTooLong(opts.what, opts.maxLifetimeSeconds)
  if (typeof jti !== 'string' || jti.length < 1 || jti.length > 256)
    throw errors.invalidClaims(`${opts.what}: jti must be a string of 1 to 256 characters`)
  return { member: iss, key, payload: payload as VerifiedMemberJwt['payload'] }
}
