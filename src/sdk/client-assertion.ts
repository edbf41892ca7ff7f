// What a member's own system uses to authenticate: signs an RFC 7523 client assertion
// (typ client-authentication+jwt) with one of the member's registered keys.
import { randomUUID } from 'node:crypto'
import { type CryptoKey, type KeyObject, SignJWT } from 'jose'
import { JWT_TYP } from '../auth/jwt-types.js'

export interface ClientAssertionInput {
  member: string
  kid: string
  key: CryptoKey | KeyObject
  alg?: 'ES256' | 'EdDSA'
  /** The gateway's issuer identifier (from /.well-known/oauth-authorization-server). */
  audience: string
  actor: string
  roles: readonly string[]
  purpose?: string
  /** Seconds until expiry; the gateway refuses more than 300. */
  lifetimeSeconds?: number
  now?: Date
}

export async function signClientAssertion(i: ClientAssertionInput): Promise<string> {
  const iat = Math.floor((i.now ?? new Date()).getTime() / 1000)
  return new SignJWT({ actor: i.actor, roles: [...i.roles], ...(i.purpose ? { purpose: i.purpose } : {}) })
    .setProtectedHeader({ alg: i.alg ?? 'ES256', typ: JWT_TYP.clientAssertion, kid: i.kid })
    .setIssuer(i.member)
    .setSubject(i.member)
    .setAudience(i.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (i.lifetimeSeconds ?? 120))
    .setJti(randomUUID())
    .sign(i.key)
}

/** Exchanges a signed assertion for an access token at the gateway's token endpoint. */
export async function fetchAccessToken(tokenEndpoint: string, assertion: string): Promise<{ access_token: string; expires_in: number }> {
  const res = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    }),
  })
  const body = (await res.json()) as { access_token?: string; expires_in?: number; detail?: string; type?: string }
  if (!res.ok || !body.access_token) throw new Error(`token request refused (${res.status} ${body.type ?? ''}): ${body.detail ?? 'no detail'}`)
  return { access_token: body.access_token, expires_in: body.expires_in ?? 0 }
}
