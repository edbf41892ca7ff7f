// Bearer-token authentication for /v1/* and /graphql: @fastify/jwt verifies the gateway-signed
// access token (ES256 only, typ at+jwt, iss/aud = this gateway), then member status and the
// assertion key's revocation are re-checked on every request, so suspension bites at once.
import fastifyJwt, { type TokenOrHeader } from '@fastify/jwt'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { AppError, errors } from '../errors.js'
import { createAuthStateLoader } from './auth-state.loader.js'
import type { ObserveBatcher } from '../db/tick-batcher.js'
import { ACCESS_TOKEN_TYP, type AccessTokenClaims, principalFromClaims } from './access-token.js'
import type { GatewayKeySet } from './gateway-keys.js'
import type { Principal } from './principal.js'

declare module 'fastify' {
  interface FastifyInstance {
    authenticate(request: FastifyRequest): Promise<void>
  }
  interface FastifyRequest {
    principal: Principal | null
  }
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    user: AccessTokenClaims
  }
}

export interface AuthPluginOptions {
  issuer: string
  accessTokenKeys: GatewayKeySet
  /** Watches the auth-state batcher (metrics). */
  observe?: ObserveBatcher | undefined
}

/** Maps @fastify/jwt and fast-jwt errors to ours; wrapped fast-jwt reasons survive only as message text. */
function mapJwtError(e: unknown): AppError {
  if (e instanceof AppError) return e
  const { code = '', message = '' } = e as { code?: string; message?: string }
  const reason = `${code} ${message}`
  switch (true) {
    case code === 'FST_JWT_NO_AUTHORIZATION_IN_HEADER':
    case code === 'FST_JWT_BAD_REQUEST':
      return errors.tokenMissing()
    case code === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED':
      return errors.tokenExpired('access token')
    case code === 'FST_JWT_AUTHORIZATION_TOKEN_UNSIGNED':
      return errors.algorithmNotAllowed('none')
    case code === 'FAST_JWT_INVALID_ALGORITHM':
      return errors.algorithmNotAllowed('(not ES256)')
    case code === 'FAST_JWT_INVALID_TYPE' || /invalid typ/i.test(message):
      return errors.wrongType(ACCESS_TOKEN_TYP)
    case code === 'FAST_JWT_INACTIVE':
      return errors.tokenNotYetValid('access token')
    case /signature is invalid|invalid public key|FAST_JWT_INVALID_SIGNATURE/i.test(reason):
      return errors.badSignature()
    case /\baud claim\b/.test(message):
      return errors.wrongAudience()
    case /\biss claim\b/.test(message):
      return errors.wrongIssuer('the access token was not issued by this gateway')
    case code === 'FST_JWT_AUTHORIZATION_TOKEN_INVALID' || code === 'FAST_JWT_MISSING_REQUIRED_CLAIM':
      return errors.invalidClaims('access token claims are invalid')
    default:
      return errors.tokenMalformed('access token')
  }
}

async function authPlugin(app: FastifyInstance, opts: AuthPluginOptions): Promise<void> {
  await app.register(fastifyJwt, {
    // The verification key is chosen by kid among the gateway's own access-token keys only.
    secret: {
      public: async (_req: FastifyRequest, decoded: TokenOrHeader) => {
        const header = ('header' in decoded ? decoded.header : decoded) as { kid?: unknown; alg?: unknown }
        if (header.alg !== 'ES256') throw errors.algorithmNotAllowed(header.alg)
        const kid = header.kid
        const key = typeof kid === 'string' ? opts.accessTokenKeys.byKid(kid) : undefined
        if (!key) throw errors.unknownKey()
        return key.publicPem
      },
    },
    // complete: the key callback needs the header (kid), not just the payload.
    decode: { complete: true },
    verify: {
      algorithms: ['ES256'],
      allowedIss: opts.issuer,
      allowedAud: opts.issuer,
      checkTyp: ACCESS_TOKEN_TYP,
      // Verified tokens are remembered (bounded, never beyond exp): our own signature need not be
      // checked again on every request. Member and key state are still read on every request.
      cache: 10_000,
      requiredClaims: ['iss', 'aud', 'sub', 'exp', 'iat', 'jti', 'member', 'actor', 'roles', 'member_kid'],
    },
    messages: { authorizationTokenInvalid: (err: Error) => err.message },
  })
  app.decorateRequest('principal', null)
  const authStates = createAuthStateLoader(app.db, opts.observe)
  app.decorate('authenticate', async (request: FastifyRequest) => {
    let claims: AccessTokenClaims
    try {
      claims = await request.jwtVerify<AccessTokenClaims>()
    } catch (e) {
      throw mapJwtError(e)
    }
    if (claims.sub !== claims.member || !Array.isArray(claims.roles)) throw errors.invalidClaims('access token claims are inconsistent')
    const state = await authStates.load(claims.member, claims.member_kid)
    if (!state || !state.keyFound) throw errors.unknownKey()
    if (state.status !== 'active') throw errors.memberSuspended(claims.member)
    if (state.keyRevokedAt) throw errors.keyRevoked()
    request.principal = principalFromClaims(claims)
  })
}

export default fp(authPlugin, { name: 'icacn-auth', dependencies: ['icacn-db'] })

/** For handlers inside the authenticated context, where the hook guarantees a principal. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw errors.tokenMissing()
  return request.principal
}
