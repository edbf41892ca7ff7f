// REST routes: public ones (health, discovery, token endpoint) first, then every other /v1 route
// inside one authenticated scope, so no protected route can be registered without the hook.
import type { FastifyInstance } from 'fastify'
import type { GatewayKeys } from '../auth/gateway-keys.js'
import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import type { AppServices } from '../app.js'
import type { Contract } from './contract.js'
import healthRoutes from './routes/health.js'
import docsRoutes from './routes/docs.js'
import { meRoutes, tokenRoutes } from './routes/auth.js'
import memberRoutes from './routes/members.js'
import leadRoutes from './routes/leads.js'
import policyRoutes from './routes/policy.js'
import recordRoutes from './routes/records.js'
import wellKnownRoutes from './routes/well-known.js'
import webhookRoutes from './routes/webhooks.js'
import eventStreamRoutes from './routes/event-stream.js'

export interface RestOptions {
  config: Config
  contract: Contract
  keys: GatewayKeys
  clock: Clock
  /** What services need, with the current time; each service takes the part it declares. */
  services: () => AppServices
}

export default async function restPlugin(app: FastifyInstance, opts: RestOptions): Promise<void> {
  const { config, contract, keys, clock } = opts
  await app.register(healthRoutes, { contract })
  await app.register(docsRoutes, { contract, issuer: config.issuer, graphiql: config.mode === 'development' })
  await app.register(wellKnownRoutes, { contract, keys, issuer: config.issuer })
  await app.register(tokenRoutes, {
    contract,
    issuer: config.issuer,
    keys: keys.accessToken,
    ttlSeconds: config.accessTokenTtlSeconds,
    clock,
  })

  await app.register(async (authenticated) => {
    authenticated.addHook('onRequest', async (request) => authenticated.authenticate(request))
    await authenticated.register(meRoutes, { contract })
    await authenticated.register(memberRoutes, { contract, issuer: config.issuer, clock })
    await authenticated.register(recordRoutes, { contract, deps: opts.services })
    await authenticated.register(policyRoutes, { contract, deps: opts.services })
    await authenticated.register(leadRoutes, { contract, deps: opts.services })
    await authenticated.register(webhookRoutes, { contract, deps: opts.services })
    await authenticated.register(eventStreamRoutes, { contract, deps: opts.services })
  })
}
