// One member's record must never break another member's list or search: a record whose passport
// the default policy releases only for a purpose is listed (and found) with what is released
// without one and `purposeWouldReveal: true`; a single read keeps its 403. Every release on every
// channel is audited in one shape, with the policy version that decided.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RecordInput } from '@icacn/sdk'
import { assertMatchesContract } from '../support/contract.js'
import { bearer, startGateway, type TestGateway } from '../support/app.js'
import { personRecord, publishRecord } from '../support/publish.js'

let gw: TestGateway
let vn: RecordInput
let plain: RecordInput
const PASSPORT = 'C8841276'

beforeAll(async () => {
  gw = await startGateway()
  vn = personRecord('VN', {
    names: [{ native: 'Trần Minh Khôi', latin: 'TRAN Minh Khoi', script: 'Latn' }],
    passports: [{ country: 'VNM', number: PASSPORT }],
    role: 'courier',
  })
  plain = personRecord('VN', { names: [{ native: 'Trần Thu Hà', latin: 'TRAN Thu Ha', script: 'Latn' }], role: 'facilitator' })
  for (const r of [vn, plain]) {
    const { res } = await publishRecord(gw, r)
    expect(res.statusCode, res.body).toBe(201)
  }
})
afterAll(async () => gw?.close())

const get = async (member: string, url: string) => gw.app.inject({ method: 'GET', url, headers: bearer(await gw.token(member)) }) // analyst, no purpose
type Node = { visibility: string; record: { id: string; body: Record<string, unknown>; redacted: string[]; purposeWouldReveal: boolean } }
const audits = (actor: string, action: string) =>
  gw.app.db
    .selectFrom('audit_log')
    .select(['subject', 'details'])
    .where('actor_member', '=', actor)
    .where('action', '=', action)
    .orderBy('id')
    .execute()

describe('purpose in lists and searches', () => {
  it("LA's list shows VN's record without the passport and marks it; the read alone is refused", async () => {
    const list = await get('LA', '/v1/records?first=100')
    expect(list.statusCode, list.body).toBe(200)
    assertMatchesContract('listRecords', list)
    expect(list.body).not.toContain(PASSPORT)
    const nodes = (list.json().edges as Array<{ node: Node }>).map((e) => e.node)
    const marked = nodes.find((n) => n.record.id === vn.id)!
    expect(marked.record.body).toEqual({ names: vn.body.names, role: 'courier' })
    expect(marked.record.purposeWouldReveal).toBe(true)
    expect(nodes.find((n) => n.record.id === plain.id)!.record.purposeWouldReveal).toBe(false)
    const read = await get('LA', `/v1/records/VN/${vn.id}`)
    expect([read.statusCode, read.json().code]).toEqual([403, 'PURPOSE_REQUIRED'])
    // GraphQL lists say the same.
    const gql = await gw.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: bearer(await gw.token('LA')),
      payload: { query: '{ records(first: 20) { edges { node { ... on RecordPresentation { record { id purposeWouldReveal } } } } } }' },
    })
    expect(
      gql.json().data.records.edges.map((e: { node: { record: { id: string; purposeWouldReveal: boolean } } }) => e.node.record),
    ).toContainEqual({ id: vn.id, purposeWouldReveal: true })
  })

  it("KH's lead searches find it marked, never 403, by name and by passport-free selectors", async () => {
    const search = await get('KH', `/v1/leads?${new URLSearchParams({ text: 'Tran Minh Khoi' })}`)
    expect(search.statusCode, search.body).toBe(200)
    assertMatchesContract('searchLeads', search)
    const [edge] = search.json().edges as Array<{ node: Node }>
    expect(edge!.node.record).toMatchObject({ id: vn.id, purposeWouldReveal: true })
    expect(search.body).not.toContain(PASSPORT)
  })

  it('every channel audits its releases in one shape, with the policy version (lead search included)', async () => {
    const entries = [...(await audits('LA', 'record.read')), ...(await audits('KH', 'record.read'))].filter(
      (e) => e.subject === `record:VN:${vn.id}`,
    )
    expect(entries.map((e) => (e.details as { channel: string }).channel).sort()).toEqual(['list', 'list', 'search'])
    for (const e of entries) {
      const details = e.details as { disclosed: string[] }
      expect({ ...details, disclosed: [...details.disclosed].sort() }).toEqual({
        channel: expect.any(String),
        purpose: null,
        policyVersion: 1,
        disclosed: ['/body/names', '/body/role'],
        purposeWouldReveal: true,
      })
    }
  })
})
