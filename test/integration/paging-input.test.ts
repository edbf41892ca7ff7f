// Cursors and time filters are the caller's input: a cursor with a malformed id or an impossible
// date, and a `since` with a leap second or year 0, are 400 problems on lists and searches (REST and
// GraphQL) — never a 500, and never silently dropped so the search runs unfiltered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeCursor, parseTime } from '../../src/records/record-page.js'
import { bearer, startGateway, type TestGateway } from '../support/app.js'
import { personRecord, publishRecord } from '../support/publish.js'

let gw: TestGateway
beforeAll(async () => {
  gw = await startGateway()
  const r = personRecord('LA', {
    names: [{ native: 'ບຸນມີ ພົມມະຈັນ', latin: 'BOUNMY Phommachanh', script: 'Laoo' }],
    phones: [{ number: '+8562055318842' }],
  })
  expect((await publishRecord(gw, r)).res.statusCode).toBe(201)
})
afterAll(async () => gw?.close())

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
const BAD_CURSORS = [
  b64(['2026-11-27T09:00:00.000Z', 'LA', '------------------------------------']), // 36 characters, not a UUID
  b64(['0000-01-01T00:00:00.000Z', 'LA', '01900000-0000-7000-8000-000000000000']), // year 0
  b64(['+275760-09-13T00:00:00.000Z', 'LA', '01900000-0000-7000-8000-000000000000']), // beyond PostgreSQL
  b64(['2026-02-30T00:00:00.000Z', 'LA', '01900000-0000-7000-8000-000000000000']), // no such day
  b64({ at: 1 }),
  'not base64 at all!',
  b64('x'.repeat(300)),
]
const BAD_SINCE = ['2016-12-31T23:59:60Z', '0000-01-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-11-27', 'yesterday']

const get = async (url: string) => gw.app.inject({ method: 'GET', url, headers: bearer(await gw.token('TH')) })
const gql = async (query: string, variables: object) =>
  (await gw.app.inject({ method: 'POST', url: '/graphql', headers: bearer(await gw.token('TH')), payload: { query, variables } })).json()

describe('paging input', () => {
  it('a malformed or impossible cursor is a 400 problem on lists and searches, REST and GraphQL', async () => {
    for (const after of BAD_CURSORS) {
      for (const url of [`/v1/records?after=${encodeURIComponent(after)}`, `/v1/leads?text=bounmy&after=${encodeURIComponent(after)}`]) {
        const res = await get(url)
        expect([url, res.statusCode, res.json().code, res.headers['content-type']]).toEqual([
          url,
          400,
          'VALIDATION_FAILED',
          'application/problem+json; charset=utf-8',
        ])
      }
      const g = await gql('query($a: String) { records(first: 5, after: $a) { edges { cursor } } }', { a: after })
      expect([after, g.errors?.[0]?.extensions?.code]).toEqual([after, 'VALIDATION_FAILED'])
    }
  })

  it('a since with a leap second, year 0 or an impossible day is refused with its reason, on lists and on /v1/leads (not dropped)', async () => {
    for (const since of BAD_SINCE) {
      for (const url of [`/v1/records?since=${encodeURIComponent(since)}`, `/v1/leads?text=bounmy&since=${encodeURIComponent(since)}`]) {
        const res = await get(url)
        expect([url, res.statusCode, res.json().code]).toEqual([url, 400, 'VALIDATION_FAILED'])
      }
      const g = await gql('query($s: DateTime) { records(first: 5, filter: { since: $s }) { edges { cursor } } }', { s: since })
      expect([since, g.errors?.[0]?.extensions?.code]).toEqual([since, 'VALIDATION_FAILED'])
    }
    expect((await get(`/v1/leads?text=bounmy&since=${encodeURIComponent('2016-12-31T23:59:60Z')}`)).json().detail).toMatch(/leap second/)
    // A good since still filters: one before the record finds it, one after does not.
    const found = async (since: string) => (await get(`/v1/leads?text=bounmy&since=${encodeURIComponent(since)}`)).json().edges.length
    expect([await found('2020-01-01T00:00:00+07:00'), await found('2999-01-01T00:00:00Z')]).toEqual([1, 0])
  })

  it('cursors the gateway issues round-trip exactly; parseTime keeps offsets and fractions', () => {
    const at = new Date('2026-11-27T02:03:04.567Z')
    const cursor = b64([at.toISOString(), 'KR', '01900000-0000-7000-8000-000000000000'])
    expect(decodeCursor(cursor)).toEqual({ receivedAt: at, originator: 'KR', id: '01900000-0000-7000-8000-000000000000' })
    expect(parseTime('2026-11-27T09:03:04.567+07:00', '/since').toISOString()).toBe('2026-11-27T02:03:04.567Z')
    expect(parseTime('0001-01-01T00:00:00Z', '/since').getUTCFullYear()).toBe(1)
    expect(parseTime('2024-02-29T23:59:59Z', '/since').toISOString()).toBe('2024-02-29T23:59:59.000Z')
  })
})
