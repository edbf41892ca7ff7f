// Records are addressed by (originator, id) everywhere: a member that publishes under another member's
// record id creates its own record and cannot shadow the original on any path — REST, GraphQL,
// explain, versions, access requests, lists, search, matches. The bare-id routes no longer exist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDefaultPolicy } from '../../src/policy/policy.service.js'
import type { RecordInput } from '@icacn/sdk'
import { bearer, startGateway, type TestGateway } from '../support/app.js'
import { personRecord, publishRecord } from '../support/publish.js'

let gw: TestGateway
let kr: RecordInput
let kh: RecordInput
const WALLET_PHONE = '+85512734519' // an invented Cambodian mobile held by both records

beforeAll(async () => {
  gw = await startGateway()
  // KR and KH withhold `role` by policy, so each record has a field others can ask for.
  for (const member of ['KR', 'KH']) {
    const admin = bearer(await gw.token(member, ['admin']))
    const text = `${loadDefaultPolicy()}\n@id("role-on-request") forbid (principal, action == Icacn::Action::"disclose", resource) when { resource.label == "role" };\n`
    const v = await gw.app.inject({ method: 'POST', url: '/v1/policy/versions', headers: admin, payload: { text } })
    expect(
      (await gw.app.inject({ method: 'POST', url: `/v1/policy/versions/${v.json().version}/activate`, headers: admin })).statusCode,
    ).toBe(200)
  }
  kr = personRecord('KR', {
    names: [{ native: '윤서진', latin: 'YOON Seo-jin', script: 'Hang' }],
    phones: [{ number: WALLET_PHONE }],
    role: 'financier',
  })
  // KH reuses KR's record id with content of its own: the shadowing attack.
  kh = personRecord(
    'KH',
    { names: [{ native: 'សុខ ចាន់ថា', latin: 'SOK Chantha', script: 'Khmr' }], phones: [{ number: WALLET_PHONE }], role: 'courier' },
    { id: kr.id },
  )
  for (const r of [kr, kh]) expect((await publishRecord(gw, r)).res.statusCode).toBe(201)
})
afterAll(async () => gw?.close())

const get = async (member: string, url: string) =>
  gw.app.inject({ method: 'GET', url, headers: bearer(await gw.token(member, ['analyst'], 'investigation')) })
const gql = async (member: string, query: string, variables: object) =>
  (
    await gw.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: bearer(await gw.token(member, ['analyst'], 'investigation')),
      payload: { query, variables },
    })
  ).json()
const latin = (view: { body: { names: Array<{ latin: string }> } }) => view.body.names[0]!.latin

describe('record identity is (originator, id)', () => {
  it("TH reads KR's record at KR's address and KH's at KH's, on REST and GraphQL", async () => {
    expect(latin((await get('TH', `/v1/records/KR/${kr.id}`)).json().record)).toBe('YOON Seo-jin')
    expect(latin((await get('TH', `/v1/records/KH/${kr.id}`)).json().record)).toBe('SOK Chantha')
    const q =
      'query($o: ID!, $id: ID!) { record(originator: $o, id: $id) { ... on RecordPresentation { record { id originator { code } body } } } }'
    expect((await gql('VN', q, { o: 'KR', id: kr.id })).data.record.record).toMatchObject({
      id: kr.id,
      originator: { code: 'KR' },
      body: { names: kr.body.names },
    })
    expect((await gql('VN', q, { o: 'KH', id: kr.id })).data.record.record).toMatchObject({
      id: kr.id,
      originator: { code: 'KH' },
      body: { names: kh.body.names },
    })
    // A member that holds nothing under this id answers as for any missing record.
    const [none, missing] = [
      await get('TH', `/v1/records/LA/${kr.id}`),
      await get('TH', '/v1/records/LA/01900000-0000-7000-8000-000000000000'),
    ]
    expect([none.statusCode, none.json().code]).toEqual([404, 'RECORD_NOT_FOUND'])
    expect({ ...none.json(), instance: undefined }).toEqual({ ...missing.json(), instance: undefined })
  })

  it('explain, versions and access requests follow the address, never the other record', async () => {
    const explained = (await get('TH', `/v1/records/KR/${kr.id}/disclosure`)).json()
    expect(explained).toMatchObject({ record: kr.id, recipient: 'TH' })
    const versions = (await get('TH', `/v1/records/KH/${kr.id}/versions`)).json().versions
    expect(versions).toHaveLength(1)
    const ask = await gw.app.inject({
      method: 'POST',
      url: `/v1/records/KR/${kr.id}/access-requests`,
      headers: bearer(await gw.token('TH')),
      payload: { justification: 'ติดตามเส้นทางการเงินของเครือข่าย', purpose: 'investigation' },
    })
    expect(ask.statusCode, ask.body).toBe(201)
    expect(ask.json()).toMatchObject({ originator: 'KR', recordId: kr.id })
    // KR's inbox has it; KH's has nothing, although KH holds a record with the same id.
    expect((await get('KR', '/v1/access-requests?as=originator')).json().items.map((i: { id: string }) => i.id)).toContain(ask.json().id)
    expect((await get('KH', '/v1/access-requests?as=originator')).json().items).toEqual([])
    const gqlAsk = await gql(
      'PH',
      'mutation($id: ID!) { requestAccess(originator: "KH", recordId: $id, justification: "coordinated case", purpose: "investigation") { originator recordId } }',
      { id: kr.id },
    )
    expect(gqlAsk.data.requestAccess).toEqual({ originator: 'KH', recordId: kr.id })
  })

  it('lists, searches and matches name each record with its originator', async () => {
    const listed = (await get('TH', '/v1/records?first=100'))
      .json()
      .edges.map((e: { node: { record: { originator: string; id: string } } }) => `${e.node.record.originator}/${e.node.record.id}`)
    expect(listed).toEqual(expect.arrayContaining([`KR/${kr.id}`, `KH/${kr.id}`]))
    const found = (await get('TH', `/v1/leads?selector=${encodeURIComponent(WALLET_PHONE)}`))
      .json()
      .edges.map((e: { node: { record: { originator: string } } }) => e.node.record.originator)
    expect(found.sort()).toEqual(['KH', 'KR'])
    const matches = (await get('KR', '/v1/matches')).json().matches
    expect(matches).toEqual([
      expect.objectContaining({
        mine: { originator: 'KR', recordId: kr.id, field: '/body/phones' },
        other: { originator: 'KH', recordId: kr.id, field: '/body/phones' },
      }),
    ])
  })

  it('the bare-id routes are gone (no aliases), and GraphQL requires the originator', async () => {
    for (const url of [`/v1/records/${kr.id}`, `/v1/records/${kr.id}/versions`, `/v1/records/${kr.id}/disclosure`]) {
      const res = await get('TH', url)
      // /v1/records/{id}/versions now reads as /{originator}/{id} with a malformed originator (400); none answers with a record.
      expect([url, [400, 404].includes(res.statusCode), res.headers['content-type']]).toEqual([
        url,
        true,
        'application/problem+json; charset=utf-8',
      ])
      expect(res.body).not.toContain('YOON')
    }
    const refused = await gql('TH', 'query($id: ID!) { record(id: $id) { __typename } }', { id: kr.id })
    expect(refused.errors[0].extensions.code).toBe('VALIDATION_FAILED')
  })
})
