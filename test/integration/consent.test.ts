// Consent: TH asks KR for fields KR's policy withholds; KR approves some until an expiry, denies with a
// reason, or lets the request lapse. Every step is audited and evented to both sides; markings still bind.
import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { personRecord } from '../support/publish.js'
import { auditFor } from '../../src/audit/audit.repository.js'
import { lapseOverdueRequests } from '../../src/policy/access-request.service.js'
import { loadDefaultPolicy } from '../../src/policy/policy.service.js'
import { loadRecordTypes } from '../../src/records/record-types.js'
import { uuidv7 } from '@icacn/sdk'
import type { RecordInput } from '@icacn/sdk'
import { issueRecord } from '@icacn/sdk'
import { assertMatchesContract } from '../support/contract.js'
import { bearer, startGateway, type TestGateway } from '../support/app.js'

const types = loadRecordTypes()
const DAY = 86_400_000
const PASSPORT = 'M90215568'
const WHY = 'ยืนยันบทบาทในเครือข่ายขนส่งยาบ้าก่อนปฏิบัติการร่วม' // TH: confirm the role before the joint operation
// KR withholds role and phone numbers from every recipient by policy: what a grant can release.
const KR_POLICY = `${loadDefaultPolicy()}
@id("kr-role-and-phones-on-request")
forbid (principal, action == Icacn::Action::"disclose", resource)
when { resource.label == "role" || resource.label == "phone" };
`
let gw: TestGateway

beforeAll(async () => {
  gw = await startGateway()
  const v = await post('KR', '/v1/policy/versions', { text: KR_POLICY }, ['admin'])
  expect((await post('KR', `/v1/policy/versions/${v.json().version}/activate`, undefined, ['admin'])).statusCode).toBe(200)
})
afterAll(async () => gw?.close())
afterEach(() => {
  vi.useRealTimers()
})

const person = (over: Partial<RecordInput> = {}): RecordInput =>
  personRecord(
    'KR',
    {
      names: [{ native: '이하은', latin: 'LEE Ha-eun', script: 'Hang' }],
      passports: [{ country: 'KOR', number: PASSPORT }],
      phones: [{ number: '+821098765432', raw: '010-9876-5432' }],
      role: 'financier',
    },
    { handling: { originatorControl: true }, fieldMarkings: { passports: { marking: 'AMBER+STRICT', releasableTo: ['VN'] } }, ...over },
  )

async function publish(r: RecordInput = person()): Promise<RecordInput> {
  const { kid, key } = await gw.memberKey(r.originator)
  const sdJwt = await issueRecord(r, { key, kid, alg: 'ES256' }, { holderJwk: gw.app.gatewayKeys.receipt.active.publicJwk, types })
  expect((await post(r.originator, '/v1/records', { sdJwt })).statusCode).toBe(201)
  return r
}

const get = async (member: string, url: string, purpose = 'investigation') =>
  gw.app.inject({ method: 'GET', url, headers: bearer(await gw.token(member, ['analyst'], purpose)) })
const post = async (member: string, url: string, payload?: object, roles = ['analyst']) =>
  gw.app.inject({ method: 'POST', url, headers: bearer(await gw.token(member, roles)), ...(payload ? { payload } : {}) })
const read = async (member: string, id: string) => (await get(member, `/v1/records/KR/${id}`)).json().record
const ask = (id: string, fields?: string[], member = 'TH') =>
  post(member, `/v1/records/KR/${id}/access-requests`, { ...(fields ? { fields } : {}), justification: WHY, purpose: 'investigation' })
const decide = (member: string, requestId: string, body: object) => post(member, `/v1/access-requests/${requestId}/decision`, body)
const eventsAbout = async (member: string, requestId: string) =>
  (await get(member, '/v1/events?limit=500')).json().events.filter((e: { subject: string }) => e.subject === `access-request:${requestId}`)
const actions = async (requestId: string) =>
  (await auditFor(gw.app.db, `access-request:${requestId}`)).map((e) => `${e.action}:${e.actorKind}`)
const strip = (r: { json(): Record<string, unknown> }) => ({ ...r.json(), instance: undefined })
const explainFor = async (id: string, recipient: string) =>
  (await get('KR', `/v1/records/KR/${id}/disclosure?recipient=${recipient}&purpose=investigation`)).json().fields as Array<
    Record<string, unknown>
  >
const fieldOf = (fields: Array<Record<string, unknown>>, path: string) => fields.find((f) => f.path === path)

describe('consent workflow', () => {
  it('a recipient asks for a field withheld by policy: 201 pending, audited, evented to both sides, listed for the originator', async () => {
    const r = await publish()
    const seen = await read('TH', r.id)
    expect(seen.body).toEqual({ names: r.body.names })
    expect([...seen.redacted].sort()).toEqual(['/body/phones', '/body/role']) // the passport (marking) is not even named

    const res = await ask(r.id, ['/body/role'])
    expect(res.statusCode).toBe(201)
    assertMatchesContract('requestAccess', res)
    const req = res.json()
    expect(req).toMatchObject({
      originator: 'KR',
      recordId: r.id,
      requester: 'TH',
      fields: ['/body/role'],
      justification: WHY,
      purpose: 'investigation',
      status: 'pending',
      decidedAt: null,
      grantedFields: null,
      expiresAt: null,
    })
    expect(Date.parse(req.respondBy) - Date.parse(req.createdAt)).toBe(14 * DAY)
    expect(await actions(req.id)).toEqual(['access.requested:member'])
    for (const m of ['TH', 'KR'])
      expect((await eventsAbout(m, req.id)).map((e: { type: string; data: { status: string } }) => `${e.type}:${e.data.status}`)).toEqual([
        'access.requested:pending',
      ])
    expect(await eventsAbout('VN', req.id)).toEqual([])

    const incoming = await get('KR', '/v1/access-requests?as=originator')
    assertMatchesContract('listAccessRequests', incoming)
    expect(incoming.json().items.map((i: { id: string }) => i.id)).toContain(req.id)
    expect((await get('TH', '/v1/access-requests?as=requester')).json().items.map((i: { id: string }) => i.id)).toContain(req.id)
    expect((await get('KR', '/v1/access-requests?as=requester')).json().items).toEqual([])
    const one = await get('KR', `/v1/access-requests/${req.id}`)
    assertMatchesContract('getAccessRequest', one)
    expect(one.json()).toEqual(req)
    const outsider = await get('LA', `/v1/access-requests/${req.id}`)
    expect([outsider.statusCode, outsider.json().code]).toEqual([404, 'ACCESS_REQUEST_NOT_FOUND'])
  })

  it('a field one may not request and one that does not exist get the same 400; an unseen record is 404 like a missing one', async () => {
    const r = await publish()
    const before = (await get('TH', '/v1/access-requests?as=requester')).json().items.length
    const [marked, absent, disclosed] = [
      await ask(r.id, ['/body/passports']),
      await ask(r.id, ['/body/nationalIds']),
      await ask(r.id, ['/body/names']),
    ]
    expect([marked.statusCode, marked.json().code]).toEqual([400, 'VALIDATION_FAILED'])
    assertMatchesContract('requestAccess', marked)
    expect(strip(absent)).toEqual(strip(marked))
    expect(strip(disclosed)).toEqual(strip(marked))
    const mine = (await get('TH', `/v1/records/KR/${r.id}/disclosure`)).json().fields
    expect([fieldOf(mine, '/body/role'), fieldOf(mine, '/body/passports')]).toEqual([
      { path: '/body/role', disclosed: false, requestable: true },
      undefined,
    ])

    const hidden = await publish(person({ marking: 'RED', releasableTo: ['VN'], fieldMarkings: {} }))
    const [h, missing] = [await ask(hidden.id), await ask(uuidv7())]
    expect(h.statusCode).toBe(404)
    assertMatchesContract('requestAccess', h)
    expect(strip(h)).toEqual(strip(missing))
    expect((await get('TH', '/v1/access-requests?as=requester')).json().items.length).toBe(before)
  })

  it('the originator approves a subset until an expiry: the next read has it, markings still bind, and it ends at expiry', async () => {
    const r = await publish()
    const req = (await ask(r.id)).json() // every requestable field
    expect([...req.fields].sort()).toEqual(['/body/phones', '/body/role'])
    const byRequester = await decide('TH', req.id, { decision: 'approve', expiresAt: new Date(Date.now() + DAY).toISOString() })
    expect([byRequester.statusCode, byRequester.json().code]).toEqual([404, 'ACCESS_REQUEST_NOT_FOUND'])
    for (const bad of [
      { decision: 'approve', fields: ['/body/passports'], expiresAt: new Date(Date.now() + DAY).toISOString() },
      { decision: 'approve' },
      { decision: 'approve', expiresAt: new Date(Date.now() + 400 * DAY).toISOString() },
      { decision: 'approve', expiresAt: new Date(Date.now() - DAY).toISOString() },
    ]) {
      const res = await decide('KR', req.id, bad)
      expect([res.statusCode, res.json().code]).toEqual([400, 'VALIDATION_FAILED'])
    }

    const expiresAt = new Date(Date.now() + 3_600_000).toISOString()
    const approved = await decide('KR', req.id, { decision: 'approve', fields: ['/body/role'], expiresAt })
    expect(approved.statusCode).toBe(200)
    assertMatchesContract('decideAccessRequest', approved)
    expect(approved.json()).toMatchObject({ status: 'approved', grantedFields: ['/body/role'], expiresAt, reason: null })
    const th = await read('TH', r.id)
    expect(th.body).toEqual({ names: r.body.names, role: 'financier' })
    expect(th.redacted).toEqual(['/body/phones'])
    expect((await read('VN', r.id)).body.role).toBeUndefined() // the grant is TH's alone
    expect(fieldOf(await explainFor(r.id, 'TH'), '/body/role')).toMatchObject({
      disclosed: true,
      reason: 'granted',
      grantedUntil: expiresAt,
    })
    expect(await actions(req.id)).toEqual(['access.requested:member', 'access.approved:member'])
    for (const m of ['TH', 'KR'])
      expect((await eventsAbout(m, req.id)).at(-1)).toMatchObject({
        type: 'access.approved',
        data: { status: 'approved', grantedFields: ['/body/role'], expiresAt },
      })

    // a grant naming a field the marking withholds (forged in storage) still releases nothing of it
    await gw.app.db
      .updateTable('access_requests')
      .set({ granted_fields: ['role', 'passports'] })
      .where('id', '=', req.id)
      .execute()
    const forged = await get('TH', `/v1/records/KR/${r.id}`)
    expect(forged.json().record.body).toEqual({ names: r.body.names, role: 'financier' })
    expect(forged.body).not.toContain(PASSPORT)

    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.parse(expiresAt) + 60_000)
    const later = await read('TH', r.id)
    expect(later.body).toEqual({ names: r.body.names })
    expect([...later.redacted].sort()).toEqual(['/body/phones', '/body/role'])
    expect(fieldOf(await explainFor(r.id, 'TH'), '/body/role')).toMatchObject({
      disclosed: false,
      requestable: true,
      reason: 'not-permitted',
      grantedUntil: null,
    })
  })

  it('a denial needs a reason; it is audited and evented; a decided request is closed (409)', async () => {
    const r = await publish()
    const req = (await ask(r.id, ['/body/phones'])).json()
    for (const body of [{ decision: 'deny' }, { decision: 'deny', reason: '   ' }]) {
      const res = await decide('KR', req.id, body)
      expect([res.statusCode, res.json().code]).toEqual([400, 'VALIDATION_FAILED'])
      assertMatchesContract('decideAccessRequest', res)
    }
    const reason = '감청 중인 번호이므로 공유할 수 없음'
    const denied = await decide('KR', req.id, { decision: 'deny', reason })
    expect(denied.statusCode).toBe(200)
    assertMatchesContract('decideAccessRequest', denied)
    expect(denied.json()).toMatchObject({ status: 'denied', reason, grantedFields: null, expiresAt: null })
    expect((await read('TH', r.id)).body.phones).toBeUndefined()
    expect(await actions(req.id)).toEqual(['access.requested:member', 'access.denied:member'])
    for (const m of ['TH', 'KR'])
      expect((await eventsAbout(m, req.id)).map((e: { type: string }) => e.type)).toEqual(['access.requested', 'access.denied'])
    const again = await decide('KR', req.id, { decision: 'approve', expiresAt: new Date(Date.now() + DAY).toISOString() })
    expect([again.statusCode, again.json().code]).toEqual([409, 'ACCESS_REQUEST_CLOSED'])
    assertMatchesContract('decideAccessRequest', again)
    expect((await get('TH', `/v1/access-requests/${req.id}`)).json().status).toBe('denied')
  })

  it('over GraphQL: requestAccess, then the originator lists and approves it, and the record read carries the field', async () => {
    const r = await publish()
    const gql = async (member: string, query: string, variables: object = {}) =>
      (
        await gw.app.inject({
          method: 'POST',
          url: '/graphql',
          headers: bearer(await gw.token(member, ['analyst'], 'investigation')),
          payload: { query, variables },
        })
      ).json()
    const asked = await gql(
      'TH',
      'mutation($id: ID!, $why: String!) { requestAccess(originator: "KR", recordId: $id, fields: ["/body/role"], justification: $why, purpose: "investigation") { id status fields requester } }',
      { id: r.id, why: WHY },
    )
    expect(asked.errors).toBeUndefined()
    const id = asked.data.requestAccess.id
    expect(asked.data.requestAccess).toEqual({ id, status: 'pending', fields: ['/body/role'], requester: 'TH' })
    const pending = await gql('KR', '{ accessRequests(as: ORIGINATOR, status: "pending") { id recordId } }')
    expect(pending.data.accessRequests).toContainEqual({ id, recordId: r.id })
    const DECIDE =
      'mutation($id: ID!, $at: DateTime) { decideAccessRequest(id: $id, decision: APPROVE, expiresAt: $at) { status grantedFields } }'
    const at = new Date(Date.now() + 7 * DAY).toISOString()
    expect((await gql('TH', DECIDE, { id, at })).errors[0].extensions.code).toBe('ACCESS_REQUEST_NOT_FOUND')
    expect((await gql('KR', DECIDE, { id, at })).data.decideAccessRequest).toEqual({ status: 'approved', grantedFields: ['/body/role'] })
    const got = await gql('TH', 'query($id: ID!) { record(originator: "KR", id: $id) { ... on RecordPresentation { record { body } } } }', {
      id: r.id,
    })
    expect(got.data.record.record.body).toEqual({ names: r.body.names, role: 'financier' })
  })

  it('over GraphQL, deciding a malformed request id is "not found" like an unknown one, never INTERNAL', async () => {
    const decideQ = async (id: string) =>
      (
        await gw.app.inject({
          method: 'POST',
          url: '/graphql',
          headers: bearer(await gw.token('KR')),
          payload: {
            query: 'mutation($id: ID!) { decideAccessRequest(id: $id, decision: DENY, reason: "중복 요청") { id } }',
            variables: { id },
          },
        })
      ).json()
    expect((await decideQ(randomUUID())).errors[0].extensions.code).toBe('ACCESS_REQUEST_NOT_FOUND')
    expect((await decideQ('not-a-uuid')).errors[0].extensions.code).toBe('ACCESS_REQUEST_NOT_FOUND')
  })

  it('an unanswered request lapses after 14 days: audited as the gateway, evented to both, then closed to decisions', async () => {
    const r = await publish()
    const first = (await ask(r.id, ['/body/role'])).json()
    expect(await lapseOverdueRequests(gw.app.db, new Date(Date.now() + 13 * DAY))).toBe(0)
    expect((await get('TH', `/v1/access-requests/${first.id}`)).json().status).toBe('pending')
    expect(await lapseOverdueRequests(gw.app.db, new Date(Date.now() + 15 * DAY))).toBeGreaterThanOrEqual(1)
    const lapsed = await get('TH', `/v1/access-requests/${first.id}`)
    assertMatchesContract('getAccessRequest', lapsed)
    expect(lapsed.json()).toMatchObject({ status: 'lapsed', grantedFields: null })
    expect(await actions(first.id)).toEqual(['access.requested:member', 'access.lapsed:gateway'])
    for (const m of ['TH', 'KR'])
      expect((await eventsAbout(m, first.id)).map((e: { type: string }) => e.type)).toEqual(['access.requested', 'access.lapsed'])
    const late = await decide('KR', first.id, { decision: 'deny', reason: '기한 경과' })
    expect([late.statusCode, late.json().code]).toEqual([409, 'ACCESS_REQUEST_CLOSED'])

    // overdue but not yet swept: deciding it lapses it instead (at the gateway's clock)
    const second = (await ask(r.id, ['/body/phones'])).json()
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 15 * DAY)
    const tooLate = await decide('KR', second.id, { decision: 'deny', reason: '기한 경과' })
    expect([tooLate.statusCode, tooLate.json().code]).toEqual([409, 'ACCESS_REQUEST_CLOSED'])
    vi.useRealTimers()
    expect((await get('KR', `/v1/access-requests/${second.id}`)).json().status).toBe('lapsed')
    expect(await actions(second.id)).toEqual(['access.requested:member', 'access.lapsed:gateway'])
    expect((await get('KR', '/v1/access-requests?as=originator&status=lapsed')).json().items.map((i: { id: string }) => i.id)).toEqual(
      expect.arrayContaining([first.id, second.id]),
    )
  })
})
