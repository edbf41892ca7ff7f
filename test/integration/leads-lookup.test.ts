// Batch lookup (POST /v1/leads:lookup, GraphQL leadLookup): hit or no hit per selector, blind to
// fields the caller may not discover, per-item errors; and the daily lookup quota that stops a
// batch from sweeping a number range.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDefaultPolicy } from '../../src/policy/policy.service.js'
import { loadRecordTypes } from '../../src/records/record-types.js'
import type { RecordInput } from '@icacn/sdk'
import { issueRecord } from '@icacn/sdk'
import { assertMatchesContract } from '../support/contract.js'
import { bearer, startGateway, type TestGateway } from '../support/app.js'
import { personRecord, publishRecord, withdrawRecord } from '../support/publish.js'

const types = loadRecordTypes()
const QUOTA = 8
let gw: TestGateway

const person = (originator: string, body: Record<string, unknown>): RecordInput => personRecord(originator, body, { grading: 'C3' })

beforeAll(async () => {
  gw = await startGateway({ LEAD_LOOKUPS_PER_DAY: String(QUOTA) })
  const admin = bearer(await gw.token('VN', ['admin']))
  const text = `${loadDefaultPolicy()}\n@id("vn-passports-unfindable") forbid (principal, action == Icacn::Action::"discover", resource) when { resource.label == "passport" };\n`
  const v = await gw.app.inject({ method: 'POST', url: '/v1/policy/versions', headers: admin, payload: { text } })
  await gw.app.inject({ method: 'POST', url: `/v1/policy/versions/${v.json().version}/activate`, headers: admin })
  const r = person('VN', {
    names: [{ native: 'Đỗ Minh Khoa', latin: 'DO Minh Khoa', script: 'Latn' }],
    phones: [{ number: '090 318 4472' }],
    passports: [{ country: 'VNM', number: 'C4417093' }],
    telegramHandles: ['@HaiPhong_Ice'],
  })
  const { kid, key } = await gw.memberKey('VN')
  const sdJwt = await issueRecord(r, { key, kid, alg: 'ES256' }, { holderJwk: gw.app.gatewayKeys.receipt.active.publicJwk, types })
  expect(
    (await gw.app.inject({ method: 'POST', url: '/v1/records', headers: bearer(await gw.token('VN')), payload: { sdJwt } })).statusCode,
  ).toBe(201)
})
afterAll(async () => gw?.close())

const lookup = async (member: string, selectors: object[]) =>
  gw.app.inject({
    method: 'POST',
    url: '/v1/leads:lookup',
    headers: bearer(await gw.token(member, ['analyst'], 'investigation')),
    payload: { selectors },
  })

describe('batch lookup and quota', () => {
  it('answers hit / no hit per selector in order; a withheld field counts as absent; bad items get their own error', async () => {
    const res = await lookup('TH', [
      { selector: '+84903184472' },
      { selector: 't.me/haiphong_ice' },
      { selector: '+84903184473' },
      { selector: 'VNM:C4417093', kind: 'passport' }, // exists, but VN's policy makes passports unfindable
      { selector: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6T' }, // TRON checksum broken
    ])
    expect(res.statusCode, res.body).toBe(200)
    assertMatchesContract('lookupLeads', res)
    const results = res.json().results
    expect(results.map((r: { hit?: boolean; error?: string }) => r.hit ?? 'error')).toEqual([true, true, false, false, 'error'])
    expect(results[0]).toEqual({ index: 0, kind: 'phone', value: '+84903184472', hit: true })
    expect(results[4].error).toMatch(/TRON/)
    const audit = await gw.app.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'lead.lookup')
      .where('actor_member', '=', 'TH')
      .executeTakeFirstOrThrow()
    expect(audit.details).toMatchObject({ count: 4, hits: 2 })
    // over GraphQL, the same
    const gql = await gw.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: bearer(await gw.token('LA', ['analyst'], 'investigation')),
      payload: {
        query:
          '{ leadLookup(selectors: [{ selector: "0903184472", kind: "phone" }, { selector: "@HaiPhong_Ice" }]) { index hit value error } }',
      },
    })
    // LA's region reads 0903184472 in the Lao number plan, where it is no number: an error, not a silent miss.
    const [vnNational, handle] = gql.json().data.leadLookup
    expect(vnNational).toMatchObject({ index: 0, hit: null, error: expect.stringMatching(/LA/) })
    expect(handle).toMatchObject({ index: 1, hit: true, value: 'tg:haiphong_ice' })
  })

  it('refuses a batch over 1,000 items, and any lookup past the daily quota (429), without counting it', async () => {
    const tooMany = await lookup(
      'KH',
      Array.from({ length: 1001 }, (_, i) => ({ selector: `+8551200${String(i).padStart(4, '0')}` })),
    )
    expect(tooMany.statusCode).toBe(400)
    // KH has the whole quota: a batch of QUOTA passes, the next single search does not.
    const full = await lookup(
      'KH',
      Array.from({ length: QUOTA }, (_, i) => ({ selector: `+85512${String(345600 + i)}` })),
    )
    expect(full.statusCode, full.body).toBe(200)
    const over = await gw.app.inject({
      method: 'GET',
      url: '/v1/leads?selector=%2B84903184472',
      headers: bearer(await gw.token('KH', ['analyst'], 'investigation')),
    })
    expect(over.statusCode).toBe(429)
    expect(over.json().code).toBe('LOOKUP_QUOTA_EXCEEDED')
    // PH's quota is untouched by KH's use; a batch larger than what is left is refused whole.
    const ph = await lookup(
      'PH',
      Array.from({ length: QUOTA + 1 }, (_, i) => ({ selector: `+63917${String(1000000 + i)}` })),
    )
    expect(ph.statusCode).toBe(429)
    expect((await lookup('PH', [{ selector: '+84903184472' }])).json().results[0].hit).toBe(true)
  })

  it('a value held only in a withdrawn record is a no-hit, as one that exists nowhere (search and match too)', async () => {
    const r = person('LA', {
      names: [{ native: 'ຄຳແສງ ວົງສາ', latin: 'KHAMSENG Vongsa', script: 'Laoo' }],
      phones: [{ number: '+8562077415230' }],
    })
    expect((await publishRecord(gw, r)).res.statusCode).toBe(201)
    expect((await lookup('TH', [{ selector: '+8562077415230' }])).json().results[0].hit).toBe(true)
    expect((await withdrawRecord(gw, r)).statusCode).toBe(200)
    const after = await lookup('TH', [{ selector: '+8562077415230' }, { selector: '+8562077415231' }])
    expect(after.json().results.map((x: { hit: boolean }) => x.hit)).toEqual([false, false])
    // The originator still finds its own withdrawn record.
    expect((await lookup('LA', [{ selector: '+8562077415230' }])).json().results[0].hit).toBe(true)
  })
})
