// What a member's own system uses to authenticate: signs an RFC 7523 client assertion
// (typ client-authentication+jwt) with one of the member's registered keys, exchanges it for an
// access token, and keeps a token cached until shortly before it expires.
import { JWT_TYP } from './jwt-types.js'
import { type MemberSigner, signMemberJwt } from './member-requests.js'
import { problemOf } from './problem.js'

export interface ClientAssertionInput extends MemberSigner {
  actor: string
  roles: readonly string[]
  purpose?: string
  /** Seconds until expiry; the gateway refuses more than 300. */
  lifetimeSeconds?: number
}

export const signClientAssertion = (i: ClientAssertionInput): Promise<string> =>
  signMemberJwt(
    i,
    JWT_TYP.clientAssertion,
    { actor: i.actor, roles: [...i.roles], ...(i.purpose ? { purpose: i.purpose } : {}) },
    i.lifetimeSeconds,
  )

/** Exchanges a signed assertion for an access token at the gateway's token endpoint; a refusal is a ProblemError. */
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
  if (!res.ok) throw await problemOf(res)
  const body = (await res.json()) as { access_token?: unknown; expires_in?: unknown }
  // Never cache or send something that is not a token ("Bearer undefined"), nor a lifetime that is not one.
  if (typeof body.access_token !== 'string' || body.access_token === '' || typeof body.expires_in !== 'number' || !(body.expires_in > 0))
    throw new Error(`${tokenEndpoint} answered ${res.status} without an access token and its lifetime`)
  return { access_token: body.access_token, expires_in: body.expires_in }
}

export interface TokenSourceOptions extends Omit<ClientAssertionInput, 'audience' | 'now'> {
  /** The gateway's base URL; its issuer identifier is read from /.well-known/oauth-authorization-server. */
  gateway: string
  /** Renew this many seconds before expiry (default 60). */
  refreshBeforeSeconds?: number
  /** The clock the cache judges expiry by (tests); assertions are always signed with the system clock, which the gateway judges. */
  now?: () => Date
}

export interface TokenSource {
  /** A valid access token: the cached one, or a fresh one when it is about to expire. */
  token(): Promise<string>
  /** Forget the cached token (the next call fetches one), e.g. after a 401. */
  invalidate(): void
}

/** Access tokens for one member, actor, roles and purpose, cached and renewed before they expire. */
export function createTokenSource(o: TokenSourceOptions): TokenSource {
  const now = o.now ?? (() => new Date())
  let cached: { token: string; renewAt: number } | undefined
  let pending: Promise<string> | undefined
  let metadata: Promise<{ issuer: string; token_endpoint: string }> | undefined
  const discover = async () => {
    const res = await fetch(new URL('/.well-known/oauth-authorization-server', o.gateway))
    if (!res.ok) throw await problemOf(res)
    return (await res.json()) as { issuer: string; token_endpoint: string }
  }
  const fetchNew = async (): Promise<string> => {
    const { issuer, token_endpoint } = await (metadata ??= discover().catch((e: unknown) => ((metadata = undefined), Promise.reject(e))))
    // The assertion's audience is the issuer identifier; the request goes to the gateway as configured
    // here (behind a proxy the advertised origin may not be the one this system reaches).
    const endpoint = new URL(new URL(token_endpoint, o.gateway).pathname, o.gateway).toString()
    const { now: _clock, ...signer } = o
    const issued = now()
    const { access_token, expires_in } = await fetchAccessToken(endpoint, await signClientAssertion({ ...signer, audience: issuer }))
    cached = { token: access_token, renewAt: issued.getTime() + Math.max(0, expires_in - (o.refreshBeforeSeconds ?? 60)) * 1000 }
    return access_token
  }
  return {
    async token() {
      if (cached && now().getTime() < cached.renewAt) return cached.token
      // Concurrent callers share one renewal.
      pending ??= fetchNew().finally(() => (pending = undefined))
      return pending
    },
    invalidate: () => void (cached = undefined),
  }
}
