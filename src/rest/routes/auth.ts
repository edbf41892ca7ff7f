// POST /v1/auth/token (public: the client assertion is the credential) and GET /v1/me.
import type { FastifyInstance } from 'fastify'
import type { GatewayKeySet } from '../../auth/gateway-keys.js'
import { principalOf } from '../../auth/plugin.js'
import { exchangeClientAssertion, type TokenRequest } from '../../auth/token.service.js'
import type { Clock } from '../../clock.js'
import { getMember } from '../../members/member.service.js'
import { memberView } from '../../members/member.view.js'
import type { components } from '@icacn/sdk/contract'
import type { Contract } from '../contract.js'

type TokenResponse = components['schemas']['TokenResponse']
type Me = components['schemas']['Me']

export interface TokenRouteOptions {
  contract: Contract
  issuer: string
  keys: GatewayKeySet
  ttlSeconds: number
  clock: Clock
}

export async function tokenRoutes(app: FastifyInstance, opts: TokenRouteOptions): Promise<void> {
  // RFC 6749 §4.4.2 sends the token request form-encoded; JSON is accepted too.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })
  app.route<{ Body: TokenRequest; Reply: TokenResponse }>({
    ...opts.contract.route('issueToken'),
    handler: async (request, reply) => {
      const deps = { issuer: opts.issuer, keys: opts.keys, ttlSeconds: opts.ttlSeconds, now: opts.clock() }
      const { response, member, actor } = await exchangeClientAssertion(app.db, deps, request.body)
      request.log.info({ member, actor }, 'access token issued')
      return reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache').send(response)
    },
  })
}

export async function meRoutes(app: FastifyInstance, opts: { contract: Contract }): Promise<void> {
  app.route<{ Reply: Me }>({
    ...opts.contract.route('getMe'),
    handler: async (request) => {
      const p = principalOf(request)
      const member = await getMember(app.db, p.member)
      return { member: memberView(member), actor: p.actor, roles: [...p.roles], purpose: p.purpose, expiresAt: p.expiresAt.toISOString() }
    },
  })
}
