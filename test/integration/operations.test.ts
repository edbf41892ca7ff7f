// Operational basics: health and readiness, request ids, problem+json for unknown routes, body
// size limit, media types, CORS off by default, and the contract check on discovery routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrations } from '../../migrations/index.js'
import { assertMatchesContract } from '../support/contract.js'
import { bearer, ISSUER, startGateway, type TestGateway } from '../support/app.js'

let gw: TestGateway
beforeAll(async () => {
  gw = await startGateway({ BODY_LIMIT: '4096' })
})
afterAll(async () => gw?.close())

describe('operations', () => {
  it('/healthz and /readyz answer without a token; readyz reports the engine and migrations', async () => {
    const h = await gw.app.inject({ method: 'GET', url: '/healthz' })
    expect(h.json()).toEqual({ status: 'ok' })
    assertMatchesContract('getHealth', h)
    const r = await gw.app.inject({ method: 'GET', url: '/readyz' })
    expect(r.statusCode).toBe(200)
    assertMatchesContract('getReadiness', r)
    expect(r.json()).toEqual({ status: 'ready', engine: gw.db.engine, migrations: Object.keys(migrations).length })
  })

  it('publishes the gateway JWKS (public halves only) and RFC 8414 metadata', async () => {
    const jwks = await gw.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })
    assertMatchesContract('getGatewayJwks', jwks)
    const keys = jwks.json().keys
    expect(keys).toHaveLength(2)
    for (const k of keys) {
      expect(k).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })
      expect(k).not.toHaveProperty('d')
    }
    // each key says what it signs; the metadata names the active key-binding key
    expect(keys.map((k: { icacn_use: string }) => k.icacn_use).sort()).toEqual(['access-token', 'key-binding'])
    const kb = keys.find((k: { icacn_use: string }) => k.icacn_use === 'key-binding')
    expect(kb.kid).toBe(gw.app.gatewayKeys.receipt.active.kid)
    const meta = await gw.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })
    assertMatchesContract('getAuthorizationServerMetadata', meta)
    expect(meta.json().icacn_key_binding_kid).toBe(gw.app.gatewayKeys.receipt.active.kid)
    expect(meta.json()).toMatchObject({
      issuer: ISSUER,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['ES256', 'EdDSA'],
    })
  })

  it('echoes a well-formed x-request-id and generates one otherwise', async () => {
    const given = await gw.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'th-oncb-4711' } })
    expect(given.headers['x-request-id']).toBe('th-oncb-4711')
    const junk = await gw.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id\twith tabs' } })
    expect(junk.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('answers unknown routes with a problem+json 404', async () => {
    const res = await gw.app.inject({ method: 'GET', url: '/v1/nothing-here' })
    expect(res.statusCode).toBe(404)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(res.json()).toMatchObject({ type: 'urn:icacn:problem:not-found', status: 404 })
  })

  it('refuses an oversized body (413) and an unsupported media type (415) with problem+json', async () => {
    const t = await gw.token('TH', ['admin'])
    const big = await gw.app.inject({
      method: 'POST',
      url: '/v1/members/TH/keys',
      headers: bearer(t),
      payload: { request: 'x'.repeat(5000) },
    })
    expect([big.statusCode, big.json().code]).toEqual([413, 'PAYLOAD_TOO_LARGE'])
    const xml = await gw.app.inject({
      method: 'POST',
      url: '/v1/members/TH/keys',
      headers: { ...bearer(t), 'content-type': 'application/xml' },
      payload: '<key/>',
    })
    expect([xml.statusCode, xml.json().code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE'])
    const broken = await gw.app.inject({
      method: 'POST',
      url: '/v1/members/TH/keys',
      headers: { ...bearer(t), 'content-type': 'application/json' },
      payload: '{"request":',
    })
    expect([broken.statusCode, broken.json().code]).toEqual([400, 'INVALID_REQUEST'])
  })

  it('sends no CORS headers unless CORS_ORIGINS is configured', async () => {
    const res = await gw.app.inject({
      method: 'OPTIONS',
      url: '/v1/members',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    })
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('serves GraphiQL in development mode', async () => {
    const res = await gw.app.inject({ method: 'GET', url: '/graphiql' })
    expect(res.statusCode).toBe(200)
  })
})
