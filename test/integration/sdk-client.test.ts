// The SDK's typed client and token source against a real gateway on loopback: tokens discovered,
// cached and renewed before expiry (one token request for many calls), typed requests by
// (originator, id), and refusals thrown as ProblemError with the problem's code and pointers.
import { createGatewayClient, createTokenSource, loadMemberKey, ProblemError } from '@icacn/sdk'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway, type TestGateway } from '../support/app.js'
import { personRecord, publishRecord } from '../support/publish.js'

let gw: TestGateway
let base: string
const tokenRequests: string[] = []
const realFetch = globalThis.fetch
/** fetch, noting each token request: how often the source really asks the gateway. */
const counting: typeof fetch = async (input, init) => {
  const url = input instanceof Request ? input.url : String(input)
  if (url.endsWith('/v1/auth/token')) tokenRequests.push(url)
  return realFetch(input, init)
}

beforeAll(async () => {
  gw = await startGateway()
  base = await gw.app.listen({ host: '127.0.0.1', port: 0 })
}, 120_000)
afterAll(async () => gw?.close())

async function tokensFor(member: string, now?: () => Date) {
  const dev = await loadMemberKey(path.join(gw.config.dataDir, 'dev-keys', `${member}.private.jwk.json`))
  return createTokenSource({
    gateway: base,
    member,
    kid: dev.kid,
    key: dev.key,
    actor: `sdk.${member.toLowerCase()}`,
    roles: ['analyst'],
    purpose: 'investigation',
    ...(now ? { now } : {}),
  })
}

describe('the SDK client', () => {
  it('reads a record by (originator, id) with a cached token, renewed only when about to expire', async () => {
    const r = personRecord('KH', {
      names: [{ native: 'សុខ វណ្ណា', latin: 'SOK Vanna', script: 'Khmr' }],
      phones: [{ number: '+85512448917' }],
    })
    expect((await publishRecord(gw, r)).res.statusCode).toBe(201)
    let clock = new Date()
    const tokens = await tokensFor('TH', () => clock)
    globalThis.fetch = counting
    try {
      const client = createGatewayClient({ baseUrl: base, tokens })
      for (let i = 0; i < 3; i++) {
        const { data } = await client.GET('/v1/records/{originator}/{id}', { params: { path: { originator: 'KH', id: r.id } } })
        expect(data && 'record' in data ? data.record.body : undefined).toMatchObject({ names: r.body.names })
      }
      expect(tokenRequests).toHaveLength(1)
      clock = new Date(clock.getTime() + 9.5 * 60_000) // within a minute of the 10-minute expiry
      await client.GET('/v1/members')
      expect(tokenRequests).toHaveLength(2)
    } finally {
      globalThis.fetch = realFetch
    }
  })

  it('throws a typed ProblemError: a record that does not exist, and a contract violation with its pointer', async () => {
    const client = createGatewayClient({ baseUrl: base, tokens: await tokensFor('VN') })
    const missing = await client
      .GET('/v1/records/{originator}/{id}', { params: { path: { originator: 'KR', id: '01900000-0000-7000-8000-000000000000' } } })
      .catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(ProblemError)
    expect(missing).toMatchObject({ status: 404, code: 'RECORD_NOT_FOUND', problem: { type: 'urn:icacn:problem:record-not-found' } })
    const bad = await client.POST('/v1/leads:lookup', { body: { selectors: [] } }).catch((e: unknown) => e)
    expect(bad).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      problem: { errors: [expect.objectContaining({ pointer: expect.stringContaining('/body/selectors') })] },
    })
  })

  it('a refused assertion is a ProblemError from the token endpoint, not a generic error', async () => {
    const dev = await loadMemberKey(path.join(gw.config.dataDir, 'dev-keys', 'KR.private.jwk.json'))
    const wrong = createTokenSource({ gateway: base, member: 'TH', kid: dev.kid, key: dev.key, actor: 'impostor', roles: ['analyst'] }) // KR's key claiming TH
    await expect(wrong.token()).rejects.toMatchObject({ name: 'ProblemError', status: 401, code: 'UNKNOWN_KEY' })
  })
})
