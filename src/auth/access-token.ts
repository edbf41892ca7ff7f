// Gateway-signed access tokens (JWT profile of RFC 9068, header typ "at+jwt").
import { signJws } from '@icacn/sdk/jws'
import { randomUUID } from 'node:crypto'
import type { GatewayKeySet } from './gateway-keys.js'
import { JWT_TYP } from '@icacn/sdk'
import type { Principal, Role } from './principal.js'

export const ACCESS_TOKEN_TYP = JWT_TYP.accessToken

export interface AccessTokenClaims {
  iss: string
  aud: string
  sub: string
  client_id: string
  jti: string
  iat: number
  exp: number
  member: string
  actor: string
  roles: Role[]
  purpose?: string
  /** kid of the member key behind this token; checked on every request so revocation bites at once. */
  member_kid: string
}

export async function signAccessToken(
  keys: GatewayKeySet,
  input: {
    issuer: string
    member: string
    actor: string
    roles: Role[]
    purpose: string | null
    memberKid: string
    now: Date
    ttlSeconds: number
  },
): Promise<{ token: string; claims: AccessTokenClaims }> {
  const iat = Math.floor(input.now.getTime() / 1000)
  const claims: AccessTokenClaims = {
    iss: input.issuer,
    aud: input.issuer,
    sub: input.member,
    client_id: input.member,
    jti: randomUUID(),
    iat,
    exp: iat + input.ttlSeconds,
    member: input.member,
    actor: input.actor,
    roles: input.roles,
    ...(input.purpose ? { purpose: input.purpose } : {}),
    member_kid: input.memberKid,
  }
  const token = signJws({ alg: 'ES256', typ: ACCESS_TOKEN_TYP, kid: keys.active.kid }, { ...claims }, keys.active.privateKey)
  return { token, claims }
}

export function principalFromClaims(c: AccessTokenClaims): Principal {
  return {
    member: c.member,
    actor: c.actor,
    roles: c.roles,
    purpose: c.purpose ?? null,
    tokenId: c.jti,
    keyId: c.member_kid,
    expiresAt: new Date(c.exp * 1000),
  }
}
