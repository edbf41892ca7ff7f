// The per-member release policy over REST (and GraphQL where it differs): versions, activation on the
// next read, validation, admin role, dry runs, explanations, purpose, markings over policy, and hits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { personRecord } from '../support/publish.js'
import { loadDefaultPolicy } from '../../src/policy/policy.service.js'
import { loadRecordTypes } from '../../src/records/record-types.js'
import { uuidv7 } from '@icacn/sdk'
import type { RecordInput } from '@icacn/sdk'
import { issueRecord } from '@icacn/sdk'
import { assertMatchesContract } from '../support/contract.js'
import { bearer, startGateway, type TestGateway } from '../support/app.js'

const types = loadRecordTypes()
const ADMIN = ['admin', 'analyst']
let gw: TestGateway

beforeAll(async () => {
  gw = await startGateway()
})
afterAll(async () => gw?.close())

const PEOPLE: Record<string, { name: { native: string; latin: string; script: string }; passport: { country: string; number: string } }> = {
  KR: { name: { native: '김도윤', latin: 'KIM Do-yun', script: 'Hang' }, passport: { country: 'KOR', number: 'M48213907' } },
  LA: { name: { native: 'ສົມພອນ ພົມມະຈັນ', latin: 'SOMPHONE Phommachan', script: 'Laoo' }, passport: { country: 'LAO', number: 'P2281734' } },
  KH: { name: { native: 'ចាន់ ដារ៉ា', latin: 'CHAN Dara', script: 'Khmr' }, passport: { country: 'KHM', number: 'N05523190' } },
  VN: { name: { native: 'Trần Thị Lan', latin: 'TRAN Thi Lan', script: 'Latn' }, passport: { country: 'VNM', number: 'C4409127' } },
  PH: { name: { native: 'Lê Văn Tâm', latin: 'LE Van Tam', script: 'Latn' }, passport: { country: 'VNM', number: 'C7716204' } },
}

const person = (originator: string, over: Partial<RecordInput> = {}): RecordInput =>
  personRecord(
    originator,
    { names: [PEOPLE[originator]!.name], passports: [PEOPLE[originator]!.passport], role: 'courier' },
    { fieldMarkings: {}, ...over },
  )

async function publish(r: RecordInput): Promise<RecordInput> {
  const { kid, key } = await gw.memberKey(r.originator)
  const sdJwt = await issueRecord(r, { key, kid, alg: 'ES256' }, { holderJwk: gw.app.gatewayKeys.receipt.active.publicJwk, types })
  const res = await gw.app.inject({ method: 'POST', url: '/v1/records', headers: bearer(await gw.token(r.originator)), payload: { sdJwt } })
  expect(res.statusCode).toBe(201)
  return r
}

const get = async (member: string, url: string, purpose?: string, roles = ['analyst']) =>
  gw.app.inject({ method: 'GET', url, headers: bearer(await gw.token(member, roles, purpose)) })
const post = async (member: string, url: string, payload?: object, roles = ['analyst']) =>
  gw.app.inject({ method: 'POST', url, headers: bearer(await gw.token(member, roles)), ...(payload ? { payload } : {}) })
const read = (member: string, r: { originator: string; id: string }, purpose?: string) =>
  get(member, `/v1/records/${r.originator}/${r.id}`, purpose)
const gql = async (member: string, query: string, roles = ['analyst']) =>
  (await gw.app.inject({ method: 'POST', url: '/graphql', headers: bearer(await gw.token(member, roles)), payload: { query } })).json()
const stripInstance = (r: { json(): Record<string, unknown> }) => ({ ...r.json(), instance: undefined })
const fieldOf = (fields: Array<{ path: string }>, path: string) =>
  fields.find((f) => f.path === path) as Record<string, unknown> | undefined

const NO_ROLE_TO_TH = `${loadDefaultPolicy()}
@id("kr-no-role-to-th")
forbid (principal == Icacn::Member::"TH", action == Icacn::Action::"disclose", resource)
when { resource.label == "role" };
`
const REACHES_TH = 'permit (principal, action == Icacn::Action::"disclose", resource) when { resource.originator == "TH" };'

describe('policy versions over REST', () => {
  it('a new version is stored inactive; activating it applies on the very next read; activating v1 restores; both are evented', async () => {
    const r = await publish(person('KR'))
    expect((await read('TH', r, 'investigation')).json().record.body.role).toBe('courier')
    const created = await post('KR', '/v1/policy/versions', { text: NO_ROLE_TO_TH }, ADMIN)
    expect(created.statusCode).toBe(201)
    assertMatchesContract('createPolicyVersion', created)
    expect(created.json()).toMatchObject({ version: 2, active: false, activatedAt: null, text: NO_ROLE_TO_TH })
    expect((await read('TH', r, 'investigation')).json().record.body.role).toBe('courier') // stored, not active
    const list = await get('KR', '/v1/policy/versions')
    assertMatchesContract('listPolicyVersions', list)
    expect(list.json().versions.map((v: { version: number; active: boolean }) => [v.version, v.active])).toEqual([
      [1, true],
      [2, false],
    ])
    const one = await get('KR', '/v1/policy/versions/2')
    assertMatchesContract('getPolicyVersion', one)
    expect(one.json().text).toBe(NO_ROLE_TO_TH)
    const activated = await post('KR', '/v1/policy/versions/2/activate', undefined, ADMIN)
    expect(activated.statusCode).toBe(200)
    assertMatchesContract('activatePolicyVersion', activated)
    expect(activated.json()).toMatchObject({ version: 2, active: true })
    const active = await get('KR', '/v1/policy')
    assertMatchesContract('getActivePolicy', active)
    expect(active.json().policy).toMatchObject({ version: 2, active: true })
    expect(active.json().schema).toContain('namespace Icacn')
    const th = await read('TH', r, 'investigation')
    expect(th.statusCode).toBe(200)
    expect(th.json().record.body).toEqual({ names: r.body.names, passports: r.body.passports })
    expect(th.json().record.redacted).toEqual(['/body/role']) // still discoverable under default-discover
    expect(th.body).not.toContain('courier')
    expect((await read('VN', r, 'investigation')).json().record.body.role).toBe('courier') // TH only
    expect((await post('KR', '/v1/policy/versions/1/activate', undefined, ADMIN)).statusCode).toBe(200)
    expect((await read('TH', r, 'investigation')).json().record.body.role).toBe('courier')
    const events = await get('KR', '/v1/events')
    assertMatchesContract('listEvents', events)
    const mine = events.json().events.filter((e: { subject: string }) => e.subject === 'policy:KR')
    expect(mine.map((e: { type: string; data: { version: number } }) => [e.type, e.data.version])).toEqual([
      ['policy.version.created', 2],
      ['policy.activated', 2],
      ['policy.activated', 1],
    ])
    expect((await get('TH', '/v1/events')).json().events.filter((e: { subject: string }) => e.subject === 'policy:KR')).toEqual([])
  })

  it('validates without storing; refuses an invalid policy or one reaching another originator (422); admin only (403)', async () => {
    const valid = await post('KR', '/v1/policy/validate', { text: NO_ROLE_TO_TH })
    assertMatchesContract('validatePolicy', valid)
    expect(valid.json()).toEqual({ valid: true, problems: [] })
    const before = (await get('KR', '/v1/policy/versions')).json().versions.length
    for (const text of [
      'permit (principal, action, resource',
      'permit (principal, action, resource) when { resource.colour == "red" };',
      REACHES_TH,
    ]) {
      const v = await post('KR', '/v1/policy/validate', { text })
      expect(v.json().valid).toBe(false)
      expect(v.json().problems.length).toBeGreaterThan(0)
      const refused = await post('KR', '/v1/policy/versions', { text }, ADMIN)
      expect([refused.statusCode, refused.json().code]).toEqual([422, 'POLICY_INVALID'])
      assertMatchesContract('createPolicyVersion', refused)
    }
    expect(JSON.stringify((await post('KR', '/v1/policy/validate', { text: REACHES_TH })).json().problems)).toContain('TH')
    const noAdmin = await post('KR', '/v1/policy/versions', { text: NO_ROLE_TO_TH })
    expect([noAdmin.statusCode, noAdmin.json().code]).toEqual([403, 'MISSING_ROLE'])
    assertMatchesContract('createPolicyVersion', noAdmin)
    const noAdminActivate = await post('KR', '/v1/policy/versions/2/activate')
    expect([noAdminActivate.statusCode, noAdminActivate.json().code]).toEqual([403, 'MISSING_ROLE'])
    assertMatchesContract('activatePolicyVersion', noAdminActivate)
    const unknown = await post('KR', '/v1/policy/versions/99/activate', undefined, ADMIN)
    expect(unknown.statusCode).toBe(404)
    assertMatchesContract('activatePolicyVersion', unknown)
    const viaGraphql = await gql('KR', `mutation { createPolicyVersion(text: ${JSON.stringify(NO_ROLE_TO_TH)}) { version } }`)
    expect(viaGraphql.errors[0].extensions.code).toBe('MISSING_ROLE')
    expect((await get('KR', '/v1/policy/versions')).json().versions.length).toBe(before)
    expect((await get('KR', '/v1/policy')).json().policy.version).toBe(1)
  })
})

describe('dry runs and explanations', () => {
  it('dry-runs a draft against a published record and a planned one, per recipient, changing nothing', async () => {
    const r = await publish(person('KR', { fieldMarkings: { passports: { marking: 'RED', releasableTo: ['VN'] } } }))
    const versions = (await get('KR', '/v1/policy/versions')).json().versions
    const res = await post('KR', '/v1/policy/dry-run', {
      text: NO_ROLE_TO_TH,
      recordId: r.id,
      recipients: ['TH', 'VN'],
      purpose: 'investigation',
    })
    expect(res.statusCode).toBe(200)
    assertMatchesContract('dryRunPolicy', res)
    const { policyVersion, recipients } = res.json()
    expect(policyVersion).toBeNull()
    expect(recipients.map((x: { recipient: string; visibility: string }) => [x.recipient, x.visibility])).toEqual([
      ['TH', 'disclose'],
      ['VN', 'disclose'],
    ])
    const [th, vn] = recipients
    expect(fieldOf(th.fields, '/body/role')).toMatchObject({
      disclosed: false,
      requestable: true,
      label: 'role',
      reason: 'not-permitted',
      policyIds: ['kr-no-role-to-th'],
    })
    expect(fieldOf(th.fields, '/body/passports')).toMatchObject({
      disclosed: false,
      requestable: false,
      label: 'passport',
      reason: 'marking',
    })
    expect(fieldOf(th.fields, '/body/names')).toMatchObject({ disclosed: true, reason: 'policy', policyIds: ['default-analysts'] })
    expect(fieldOf(vn.fields, '/body/role')).toMatchObject({ disclosed: true, reason: 'policy' })
    expect(fieldOf(vn.fields, '/body/passports')).toMatchObject({ disclosed: true, reason: 'policy', policyIds: ['default-analysts'] })
    const planned = await post('KR', '/v1/policy/dry-run', {
      text: NO_ROLE_TO_TH,
      recipients: ['TH', 'LA'],
      record: {
        type: 'person',
        marking: 'AMBER',
        releasableTo: ['ALL'],
        grading: 'C3',
        fields: [
          { field: 'names', label: 'name' },
          { field: 'passports', label: 'passport', marking: 'AMBER+STRICT', releasableTo: ['LA'] },
          { field: 'role', label: 'role' },
        ],
      },
    })
    assertMatchesContract('dryRunPolicy', planned)
    const [pth, pla] = planned.json().recipients
    expect(fieldOf(pth.fields, '/body/passports')).toMatchObject({ disclosed: false, reason: 'marking' })
    expect(fieldOf(pla.fields, '/body/passports')).toMatchObject({ disclosed: false, reason: 'purpose-missing' }) // no purpose given
    expect(fieldOf(pth.fields, '/body/role')).toMatchObject({ disclosed: false, reason: 'not-permitted' })
    expect(fieldOf(pla.fields, '/body/role')).toMatchObject({ disclosed: true, reason: 'policy' })
    const red = await post('KR', '/v1/policy/dry-run', {
      version: 1,
      record: { type: 'person', marking: 'RED', releasableTo: ['VN'], grading: 'A1', fields: [{ field: 'names', label: 'name' }] },
    })
    expect(red.json().policyVersion).toBe(1)
    expect(red.json().recipients.map((x: { recipient: string; visibility: string }) => `${x.recipient}:${x.visibility}`)).toEqual([
      'KH:none',
      'LA:none',
      'PH:none',
      'TH:none',
      'VN:disclose',
    ])
    const both = await post('KR', '/v1/policy/dry-run', {
      text: NO_ROLE_TO_TH,
      recordId: r.id,
      record: { type: 'person', marking: 'AMBER', releasableTo: ['ALL'], grading: 'C3', fields: [{ field: 'names', label: 'name' }] },
    })
    expect([both.statusCode, both.json().code]).toEqual([400, 'VALIDATION_FAILED'])
    const invalid = await post('KR', '/v1/policy/dry-run', { text: REACHES_TH, recordId: r.id })
    expect([invalid.statusCode, invalid.json().code]).toEqual([422, 'POLICY_INVALID'])
    expect((await post('TH', '/v1/policy/dry-run', { recordId: r.id })).statusCode).toBe(404) // not TH's record
    expect((await get('KR', '/v1/policy/versions')).json().versions).toEqual(versions)
    expect((await read('TH', r, 'investigation')).json().record.body.role).toBe('courier')
  })

  it('a recipient sees only path/disclosed/requestable of discoverable fields; the originator sees why, for any recipient', async () => {
    const r = await publish(person('LA', { fieldMarkings: { passports: { marking: 'RED', releasableTo: ['VN'] } } }))
    const th = await get('TH', `/v1/records/${r.originator}/${r.id}/disclosure`, 'analysis')
    expect(th.statusCode).toBe(200)
    assertMatchesContract('explainRecordDisclosure', th)
    const byPath = (a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path)
    expect({ ...th.json(), fields: th.json().fields.sort(byPath) }).toEqual({
      record: r.id,
      recipient: 'TH',
      visibility: 'disclose',
      fields: [
        { path: '/body/names', disclosed: true, requestable: false },
        { path: '/body/role', disclosed: true, requestable: false },
      ],
    })
    for (const secret of ['default-', 'policyIds', 'policyVersion', 'reason', 'label', 'passport']) expect(th.body).not.toContain(secret)
    const forTh = await get('LA', `/v1/records/${r.originator}/${r.id}/disclosure?recipient=TH&roles=analyst&purpose=analysis`)
    assertMatchesContract('explainRecordDisclosure', forTh)
    expect(forTh.json()).toMatchObject({ recipient: 'TH', visibility: 'disclose', policyVersion: 1 })
    expect(fieldOf(forTh.json().fields, '/body/passports')).toMatchObject({
      disclosed: false,
      requestable: false,
      label: 'passport',
      reason: 'marking',
    })
    expect(fieldOf(forTh.json().fields, '/body/names')).toMatchObject({
      disclosed: true,
      reason: 'policy',
      policyIds: ['default-analysts'],
      discoverPolicyIds: ['default-discover'],
    })
    const own = await get('LA', `/v1/records/${r.originator}/${r.id}/disclosure`)
    expect(own.json().fields.map((f: { reason: string; disclosed: boolean }) => `${f.reason}:${f.disclosed}`)).toEqual([
      'originator:true',
      'originator:true',
      'originator:true',
    ])
    const impersonate = await get('TH', `/v1/records/${r.originator}/${r.id}/disclosure?recipient=VN`)
    expect([impersonate.statusCode, impersonate.json().code]).toEqual([403, 'FORBIDDEN_MEMBER'])
    assertMatchesContract('explainRecordDisclosure', impersonate)
    const hidden = await publish(person('LA', { marking: 'RED', releasableTo: ['VN'] }))
    const [h, missing] = [
      await get('TH', `/v1/records/LA/${hidden.id}/disclosure`),
      await get('TH', `/v1/records/LA/${uuidv7()}/disclosure`),
    ]
    expect(h.statusCode).toBe(404)
    expect(stripInstance(h)).toEqual(stripInstance(missing))
  })
})

describe('purpose, markings and hits', () => {
  it('a field some purpose would release needs a declared purpose; the purpose then decides', async () => {
    const r = await publish(person('KH'))
    const none = await read('TH', r)
    expect([none.statusCode, none.json().code, none.headers['content-type']]).toEqual([
      403,
      'PURPOSE_REQUIRED',
      'application/problem+json; charset=utf-8',
    ])
    assertMatchesContract('getRecord', none)
    expect(none.body).not.toContain(PEOPLE.KH!.passport.number)
    const analysis = await read('TH', r, 'analysis')
    expect(analysis.statusCode).toBe(200)
    expect(analysis.json().record.body).toEqual({ names: r.body.names, role: 'courier' })
    expect(analysis.json().record.redacted).toEqual(['/body/passports'])
    expect((await read('TH', r, 'investigation')).json().record.body.passports).toEqual([PEOPLE.KH!.passport])
    // withheld by marking anyway: no purpose would release it, so none is needed
    const marked = await publish(person('KH', { fieldMarkings: { passports: { marking: 'RED', releasableTo: ['LA'] } } }))
    const plain = await read('TH', marked)
    expect(plain.statusCode).toBe(200)
    expect([plain.json().record.body.passports, plain.json().record.redacted]).toEqual([undefined, []])
    const limited = await publish(
      person('KH', { purposeLimits: ['investigation'], fieldMarkings: { passports: { marking: 'RED', releasableTo: ['LA'] } } }),
    )
    expect((await read('TH', limited)).json().code).toBe('PURPOSE_REQUIRED')
  })

  it('a policy permitting everything still cannot widen a field or a record marking', async () => {
    const v = await post('VN', '/v1/policy/versions', { text: '@id("vn-open")\npermit (principal, action, resource);' }, ADMIN)
    expect((await post('VN', `/v1/policy/versions/${v.json().version}/activate`, undefined, ADMIN)).statusCode).toBe(200)
    const r = await publish(person('VN', { fieldMarkings: { passports: { marking: 'RED', releasableTo: ['LA'] } } }))
    const th = await read('TH', r, 'investigation')
    expect(th.json().record.body).toEqual({ names: r.body.names, role: 'courier' })
    expect(th.json().record.redacted).toEqual([])
    expect(th.body).not.toContain(PEOPLE.VN!.passport.number)
    expect((await read('LA', r, 'investigation')).json().record.body.passports).toEqual([PEOPLE.VN!.passport])
    const red = await publish(person('VN', { marking: 'RED', releasableTo: ['LA'] }))
    const [hidden, missing] = [
      await read('TH', red, 'investigation'),
      await read('TH', { originator: red.originator, id: uuidv7() }, 'investigation'),
    ]
    expect(hidden.statusCode).toBe(404)
    expect(stripInstance(hidden)).toEqual(stripInstance(missing))
    expect((await read('LA', red, 'investigation')).statusCode).toBe(200)
  })

  it('a policy permitting only discover gives a hit: existence and nothing else, on REST and GraphQL', async () => {
    const v = await post(
      'PH',
      '/v1/policy/versions',
      { text: '@id("ph-discover-only")\npermit (principal, action == Icacn::Action::"discover", resource);' },
      ADMIN,
    )
    expect((await post('PH', `/v1/policy/versions/${v.json().version}/activate`, undefined, ADMIN)).statusCode).toBe(200)
    const r = await publish(person('PH', { grading: 'C2' }))
    const hit = await read('TH', r, 'investigation')
    expect(hit.statusCode).toBe(200)
    assertMatchesContract('getRecord', hit)
    expect(hit.json()).toEqual({
      visibility: 'hit',
      hit: { id: r.id, originator: 'PH', type: 'person', grading: 'C2', createdAt: r.createdAt, purposeWouldReveal: false },
    })
    for (const secret of [PEOPLE.PH!.name.native, PEOPLE.PH!.passport.number, 'courier', 'sdJwt']) expect(hit.body).not.toContain(secret)
    const g = await gql(
      'TH',
      `{ record(originator: "PH", id: "${r.id}") { __typename ... on RecordHit { id type grading originator { code } } } }`,
    )
    expect(g).toEqual({
      data: { record: { __typename: 'RecordHit', id: r.id, type: 'person', grading: 'C2', originator: { code: 'PH' } } },
    })
    expect((await read('PH', r)).json().record.body.role).toBe('courier') // the originator always sees its own
  })

  it('a forged cursor or a malformed record id is a client error, never a 500 (REST and GraphQL)', async () => {
    const past = await get('TH', `/v1/events?after=${'A'.repeat(64)}`) // passes the contract pattern, opens under no key
    expect.soft([past.statusCode, past.json().code]).toEqual([400, 'VALIDATION_FAILED'])
    expect
      .soft((await gql('TH', '{ events(after: "9999999999999999999") { cursor } }')).errors[0].extensions.code)
      .toBe('VALIDATION_FAILED')
    expect
      .soft(['RECORD_NOT_FOUND', 'VALIDATION_FAILED'])
      .toContain((await gql('KR', '{ policyDryRun(input: { recordId: "not-a-uuid" }) { policyVersion } }')).errors[0].extensions.code)
  })

  it('found by the route fuzzer: a dry run of a version beyond the integer column, or with explicit GraphQL nulls, is a client error', async () => {
    const planned = { type: 'person', marking: 'AMBER', releasableTo: ['ALL'], grading: 'B2', fields: [{ field: 'names', label: 'name' }] }
    for (const version of [2147483648, 9007199254740994]) {
      const res = await post('KR', '/v1/policy/dry-run', { record: planned, version })
      expect([version, res.statusCode, res.json().code]).toEqual([version, 400, 'VALIDATION_FAILED'])
    }
    const big = await gql(
      'KR',
      '{ policyDryRun(input: { version: 2147483647, record: { type: "person", marking: "AMBER", releasableTo: ["ALL"], grading: "B2", fields: [{ field: "names", label: "name" }] } }) { policyVersion } }',
    )
    expect(big.errors[0].extensions.code).toBe('POLICY_VERSION_NOT_FOUND')
    const nulls = await gql(
      'KR',
      '{ policyDryRun(input: { recordId: null, text: null, version: 1, record: { type: "person", marking: "AMBER", releasableTo: ["ALL"], grading: "B2", purposeLimits: null, fields: [{ field: "names", label: "name", marking: null, releasableTo: null }] } }) { policyVersion recipients { recipient visibility } } }',
    )
    expect(nulls.errors).toBeUndefined()
    expect(nulls.data.policyDryRun.policyVersion).toBe(1)
    expect((await gql('KR', '{ policyDryRun(input: { recordId: null, version: 1 }) { policyVersion } }')).errors[0].extensions.code).toBe(
      'VALIDATION_FAILED',
    )
  })
})
