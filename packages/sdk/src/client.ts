// A typed HTTP client for the gateway, generated from contracts/openapi.yaml (openapi-typescript types
// with openapi-fetch): `client.GET('/v1/records/{originator}/{id}', { params: { path: … } })`. Each
// request carries a bearer token from a TokenSource; a refusal is thrown as a typed ProblemError.
import createClient, { type Client, type Middleware } from 'openapi-fetch'
import type { TokenSource } from './client-assertion.js'
import type { paths } from './contract.gen.js'
import { problemOf } from './problem.js'

export type GatewayClient = Client<paths>

export interface GatewayClientOptions {
  /** The gateway's base URL, e.g. https://exchange.icacn.example */
  baseUrl: string
  /** Where access tokens come from (createTokenSource); omit for the public routes only. */
  tokens?: TokenSource
  fetch?: typeof fetch
}

/** Paths that take no token: discovery, health and the token endpoint itself. */
const PUBLIC = /^\/(healthz|readyz|\.well-known\/|v1\/auth\/token)/

export function createGatewayClient(o: GatewayClientOptions): GatewayClient {
  const client = createClient<paths>({ baseUrl: o.baseUrl, ...(o.fetch ? { fetch: o.fetch } : {}) })
  const auth: Middleware = {
    async onRequest({ request, schemaPath }) {
      if (o.tokens && !PUBLIC.test(schemaPath)) request.headers.set('authorization', `Bearer ${await o.tokens.token()}`)
      return request
    },
    async onResponse({ response }) {
      if (response.ok) return response
      // An expired or revoked token: the next request fetches a new one.
      if (response.status === 401) o.tokens?.invalidate()
      throw await problemOf(response)
    },
  }
  client.use(auth)
  return client
}
