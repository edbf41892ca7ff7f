// REST routes: public ones (health, discovery, token endpoint) first, then every other /v1 route
// inside one authenticated scope, so no protected route can be registered without the hook.
import type { FastifyInstance } from 'fastify'
import type { GatewayKeys } from '../auth/gateway-keys.js'
import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import type { RecordTypes } from '../records/record-types.js'
import type { Contract } from './contract.js'
import healthRoutes from './routes/health.js'
import { meRoutes, tokenRoutes } from './routes/auth.js'
import memberRoutes from './routes/members.js'
import recordRoutes from './routes/records.js'
import wellKnownRoutes from './routes/well-known.js'

export interface RestOptions {
  config: Config
  contract: Contract
  keys: GatewayKeys
  types: RecordTypes
  clock: Clock
}

export default async function restPlugin(app: FastifyInstance, opts: RestOptions): Promise<void> {
  const { config, contract, keys, types, clock } = opts
  await app.register(healthRoutes, { contract })
  await app.register(wellKnownRoutes, { contract, keys, issuer: config.issuer })
  await app.register(tokenRoutes, { contract, issuer: config.issuer, keys: keys.accessToken, ttlSeconds: config.accessTokenTtlSeconds, clock })

  await app.register(async (authenticated) => {
    authenticated.addHook('onRequest', async (request) => authenticated.authenticate(request))
    await authenticated.register(meRoutes, { contract })
    await authenticated.register(memberRoutes, { contract, issuer: config.issuer, clock })
    await authenticated.register(recordRoutes, { contract, types, keys, issuer: config.issuer, maxRecordBytes: config.recordMaxBytes, clock })
  })
}
