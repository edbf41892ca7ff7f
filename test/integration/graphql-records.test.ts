// GraphQL records: publishRecord, record(id) and records(filter, first, after) go through the same
// decision and presentation as REST; hidden records are null exactly like missing ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { personRecord } from '../support/publish.js'
import { loadRecordTypes } from '../../src/records/record-types.js'
import { uuidv7 } from '@icacn/sdk'
import type { RecordInput } from '@icacn/sdk'
import { issueRecord } from '@icacn/sdk'
import { bearer, startGateway, type TestGateway } from '../support/app.js'

const types = loadRecordTypes()
const PASSPORT = 'N04417736'
let gw: TestGateway

beforeAll(async () => {
  gw = await startGateway()
})
afterAll(async () => gw?.close())

const record = (over: Partial<RecordInput> = {}): RecordInput =>
  personRecord(
    'KH',
    {
      names: [{ native: 'សុខ វណ្ណា', latin: 'SOK Vanna', script: 'Khmr' }],
      passports: [{ country: 'KHM', number: PASSPORT }],
      role: 'courier',
    },
    { grading: 'C3', purposeLimits: ['investigation'], fieldMarkings: { passports: { marking: 'RED', releasableTo: ['LA'] } }, ...over },
  )

async function gql(member: string, query: string, variables: object = {}) {
  return gw.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: bearer(await gw.token(member, ['analyst'], 'investigation')),
    payload: { query, variables },
  })
}

async function publish(r: RecordInput) {
  const { kid, key } = await gw.memberKey(r.originator)
  const sdJwt = await issueRecord(r, { key, kid, alg: 'ES256' }, { holderJwk: gw.app.gatewayKeys.receipt.active.publicJwk, types })
  const res = await gql(r.originator, 'mutation($s: String!) { publishRecord(sdJwt: $s) { created record { id version } } }', { s: sdJwt })
  expect(res.json().errors).toBeUndefined()
  return res.json().data.publishRecord
}

const READ =
  'query($id: ID!) { record(originator: "KH", id: $id) { ... on RecordPresentation { sdJwt record { id marking originator { code shortName } body redacted } } } }'

describe('graphql records', () => {
  it('publishes by mutation and reads without the withheld field in any byte', async () => {
    const r = record()
    expect(await publish(r)).toEqual({ created: true, record: { id: r.id, version: 1 } })
    const res = await gql('TH', READ, { id: r.id })
    expect(res.body).not.toContain(PASSPORT)
    const got = res.json().data.record
    expect(got.record.originator).toEqual({ code: 'KH', shortName: 'NACD' })
    expect(got.record.body).toEqual({ names: r.body.names, role: 'courier' })
    const la = (await gql('LA', READ, { id: r.id })).json().data.record
    expect(la.record.body.passports).toEqual([{ country: 'KHM', number: PASSPORT }])
  })

  it('a hidden record is null, exactly like a missing one', async () => {
    const r = record({ marking: 'RED', releasableTo: ['LA'], fieldMarkings: {} })
    await publish(r)
    const hidden = await gql('TH', READ, { id: r.id })
    const missing = await gql('TH', READ, { id: uuidv7() })
    expect(hidden.statusCode).toBe(missing.statusCode)
    expect(hidden.json()).toEqual({ data: { record: null } })
    expect(missing.json()).toEqual({ data: { record: null } })
  })

  it('lists newest first with cursors, only what the caller may see, and filters by type', async () => {
    const seen = new Set<string>()
    const mine = [
      record({
        originator: 'VN',
        body: { names: [{ native: 'Nguyễn Văn Hùng', latin: 'NGUYEN Van Hung', script: 'Latn' }] },
        fieldMarkings: {},
      }),
      record({ originator: 'VN', fieldMarkings: {} }),
      record({ originator: 'VN', marking: 'RED', releasableTo: ['KR'], fieldMarkings: {} }),
    ]
    for (const r of mine) await publish(r)
    const LIST =
      'query($after: String) { records(first: 1, after: $after, filter: { originator: "VN", type: "person" }) { edges { cursor node { ... on RecordPresentation { record { id originator { code } } } } } pageInfo { hasNextPage endCursor } } }'
    let after: string | null = null
    let pages = 0
    do {
      const res: any = (await gql('PH', LIST, { after })).json()
      expect(res.errors).toBeUndefined()
      for (const e of res.data.records.edges) seen.add(e.node.record.id)
      after = res.data.records.pageInfo.hasNextPage ? res.data.records.pageInfo.endCursor : null
      pages++
    } while (after && pages < 5)
    expect([...seen].sort()).toEqual([mine[0]!.id, mine[1]!.id].sort())
    expect(pages).toBe(2)
    const zero = (await gql('PH', '{ records(first: 0) { edges { cursor } } }')).json()
    expect(zero.errors[0].extensions.code).toBe('VALIDATION_FAILED')
    const huge = (await gql('PH', '{ records(first: 500) { edges { cursor } } }')).json()
    expect(huge.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX')
  })
})
