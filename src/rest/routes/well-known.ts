// Public discovery: the gateway's JWKS and RFC 8414 authorization server metadata.
import type { FastifyInstance } from 'fastify'
import { type GatewayKeys, gatewayJwks } from '../../auth/gateway-keys.js'
import type { components } from '@icacn/sdk/contract'
import type { Contract } from '../contract.js'

type Metadata = components['schemas']['AuthorizationServerMetadata']

export default async function wellKnownRoutes(
  app: FastifyInstance,
  opts: { contract: Contract; keys: GatewayKeys; issuer: string },
): Promise<void> {
  const jwks = gatewayJwks(opts.keys)
  const metadata: Metadata = {
    issuer: opts.issuer,
    token_endpoint: `${opts.issuer}/v1/auth/token`,
    jwks_uri: `${opts.issuer}/.well-known/jwks.json`,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['ES256', 'EdDSA'],
    icacn_key_binding_kid: opts.keys.receipt.active.kid,
  }
  app.route({
    ...opts.contract.route('getGatewayJwks'),
    handler: async (_req, reply) => reply.header('Cache-Control', 'public, max-age=300').send(jwks),
  })
  app.route({ ...opts.contract.route('getAuthorizationServerMetadata'), handler: async () => metadata })
}
