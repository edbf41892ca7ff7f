// OAuth 2.0 client credentials with private_key_jwt (RFC 7523 §2.2, RFC 7521 §4.2): a member's
// signed client assertion is exchanged for a short-lived gateway access token.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { errors } from '../errors.js'
import { findMember } from '../members/member.repository.js'
import { signAccessToken } from './access-token.js'
import type { GatewayKeySet } from './gateway-keys.js'
import { consumeJti } from './jti.repository.js'
import { JWT_TYP } from '@icacn/sdk'
import { CLOCK_TOLERANCE_S, verifyMemberJwt } from './member-jwt.js'
import { parseActor, parsePurpose, parseRoles } from './principal.js'

export const CLIENT_ASSERTION_TYP = JWT_TYP.clientAssertion
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
export const MAX_ASSERTION_LIFETIME_S = 300

export interface TokenRequest {
  grant_type?: unknown
  client_assertion_type?: unknown
  client_assertion?: unknown
  client_id?: unknown
}

export interface TokenResponse {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  scope: string
}

export interface TokenDeps {
  issuer: string
  keys: GatewayKeySet
  ttlSeconds: number
  now: Date
}

/**
 * Verifies the assertion (typ, alg, registered key by (iss, kid), signature, aud = issuer,
 * iss = sub, lifetime ≤ 5 min), then member status, roles, purpose and actor, then consumes
 * the jti. Nothing is issued unless every check passes.
 */
export async function exchangeClientAssertion(
  db: Kysely<DB>,
  deps: TokenDeps,
  req: TokenRequest,
): Promise<{ response: TokenResponse; member: string; actor: string }> {
  if (req.grant_type !== 'client_credentials') throw errors.unsupportedGrant(String(req.grant_type ?? ''))
  if (req.client_assertion_type !== JWT_BEARER_ASSERTION) {
    throw errors.invalidRequest(`client_assertion_type must be ${JWT_BEARER_ASSERTION}`)
  }
  if (typeof req.client_assertion !== 'string' || req.client_assertion.length === 0)
    throw errors.invalidRequest('client_assertion is required')

  const verified = await verifyMemberJwt(db, req.client_assertion, {
    typ: CLIENT_ASSERTION_TYP,
    audience: deps.issuer,
    now: deps.now,
    maxLifetimeSeconds: MAX_ASSERTION_LIFETIME_S,
    what: 'client assertion',
  })
  if (req.client_id !== undefined && req.client_id !== verified.member)
    throw errors.wrongIssuer('client_id must equal the assertion issuer')

  const member = await findMember(db, verified.member)
  if (!member) throw errors.unknownKey()
  if (member.status !== 'active') throw errors.memberSuspended(member.code)

  const roles = parseRoles(verified.payload.roles)
  const purpose = parsePurpose(verified.payload.purpose)
  const actor = parseActor(verified.payload.actor)

  const replayWindowEnd = new Date((verified.payload.exp + CLOCK_TOLERANCE_S) * 1000)
  await consumeJti(db, verified.member, verified.payload.jti, replayWindowEnd, deps.now)

  const { token } = await signAccessToken(deps.keys, {
    issuer: deps.issuer,
    member: member.code,
    actor,
    roles,
    purpose,
    memberKid: verified.key.kid,
    now: deps.now,
    ttlSeconds: deps.ttlSeconds,
  })
  return {
    response: { access_token: token, token_type: 'Bearer', expires_in: deps.ttlSeconds, scope: roles.join(' ') },
    member: member.code,
    actor,
  }
}
