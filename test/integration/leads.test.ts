// Lead search (issue 5, first part): selectors normalised at publish and indexed with the record;
// national and international numbers match; invalid identifiers refused at publish; TRON and EVM
// forms of one hex never collide; a hit reveals only the hit fields; a guessed value of a field the
// caller may not discover answers exactly as a value that exists nowhere.
import { sha256 } from '@noble/hashes/sha2'
import { createBase58check } from '@scure/base'
import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDefaultPolicy } from '../../src/policy/policy.service.js'
import type { RecordInput } from '@icacn/sdk'
import { assertMatchesContract } from '../support/contract.js'
import { bearer, startGateway, type TestGateway } from '../support/app.js'
import { personRecord, publishRecord } from '../support/publish.js'

let gw: TestGateway
// Invented wallets: 20 random bytes, as a TRON address (0x41 ‖ bytes, base58check) and as an EVM one.
const raw20 = randomBytes(20)
const TRON = createBase58check(sha256).encode(Uint8Array.from([0x41, ...raw20]))
const EVM = `0x${raw20.toString('hex')}`

beforeAll(async () => {
  gw = await startGateway()
  // KR lets partners discover everything except passports (so a passport number is not searchable).
  const admin = bearer(await gw.token('KR', ['admin']))
  const text = `${loadDefaultPolicy()}\n@id("kr-passports-unfindable") forbid (principal, action, resource) when { resource.label == "passport" };\n`
  const v = await gw.app.inject({ method: 'POST', url: '/v1/policy/versions', headers: admin, payload: { text } })
  expect(
    (await gw.app.inject({ method: 'POST', url: `/v1/policy/versions/${v.json().version}/activate`, headers: admin })).statusCode,
  ).toBe(200)
})
afterAll(async () => gw?.close())

const person = personRecord
const publish = async (r: RecordInput) => (await publishRecord(gw, r)).res
const search = async (member: string, query: Record<string, string>) =>
  gw.app.inject({
    method: 'GET',
    url: `/v1/leads?${new URLSearchParams(query)}`,
    headers: bearer(await gw.token(member, ['analyst'], 'investigation')),
  })
const ids = (res: { json(): { edges: Array<{ node: { visibility: string; hit?: { id: string }; record?: { id: string } } }> } }) =>
  res
    .json()
    .edges.map((e) => e.node.hit?.id ?? e.node.record!.id)
    .sort()

describe('lead search', () => {
  it('a Thai mobile written nationally by TH and internationally by KR is one selector, found from either form', async () => {
    const th = person('TH', {
      names: [{ native: 'ประเสริฐ วงศ์ใหญ่', latin: 'PRASERT Wongyai', script: 'Thai' }],
      phones: [{ number: '081-734-2956' }],
    })
    const kr = person('KR', {
      names: [{ native: '정수담', latin: 'JUNG Su-dam', script: 'Hang' }],
      phones: [{ number: '+66 81 734 2956', raw: '081-734-2956' }],
    })
    expect((await publish(th)).statusCode).toBe(201)
    expect((await publish(kr)).statusCode).toBe(201)
    const national = await search('TH', { selector: '0817342956' }) // TH's region reads the national form
    expect(national.statusCode, national.body).toBe(200)
    assertMatchesContract('searchLeads', national)
    expect(national.json().selector).toEqual({ kind: 'phone', value: '+66817342956' })
    expect(ids(national)).toEqual([th.id, kr.id].sort())
    expect(national.json().edges.every((e: { matchedFields: string[] }) => e.matchedFields.join() === '/body/phones')).toBe(true)
    expect(ids(await search('VN', { selector: '+66 81-734-2956' }))).toEqual([th.id, kr.id].sort())
    // Filters narrow within what matched.
    expect(ids(await search('VN', { selector: '+66817342956', originator: 'KR' }))).toEqual([kr.id])
    const audit = await gw.app.db
      .selectFrom('audit_log')
      .select(['actor_member', 'details'])
      .where('action', '=', 'lead.search')
      .where('actor_member', '=', 'TH')
      .execute()
    expect(audit.map((a) => (a.details as { value: string }).value)).toContain('+66817342956')
  })

  it('refuses at publish a wallet whose checksum fails, pointing at it, and stores nothing', async () => {
    const bad = `${TRON.slice(0, -1)}${TRON.endsWith('a') ? 'b' : 'a'}`
    const r = person('VN', {
      names: [{ native: 'Phạm Văn Đức', latin: 'PHAM Van Duc', script: 'Latn' }],
      wallets: [{ chain: 'tron', address: bad, asset: 'USDT' }],
    })
    const res = await publish(r)
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({
      code: 'INVALID_SELECTOR',
      errors: [{ pointer: '/body/wallets/0', detail: expect.stringMatching(/TRON/) }],
    })
    const stored = await gw.app.db.selectFrom('records').select('id').where('id', '=', r.id).execute()
    expect(stored).toEqual([])
  })

  it('the TRON and EVM forms of one 20-byte hex are different selectors', async () => {
    const onTron = person('KH', {
      names: [{ native: 'ហេង សុភា', latin: 'HENG Sophea', script: 'Khmr' }],
      wallets: [{ chain: 'tron', address: TRON, asset: 'USDT' }],
    })
    const onEvm = person('PH', {
      names: [{ native: 'Jose Ramos Santiago', latin: 'SANTIAGO Jose', script: 'Latn' }],
      wallets: [{ chain: 'bsc', address: EVM, asset: 'USDT' }],
    })
    expect((await publish(onTron)).statusCode).toBe(201)
    expect((await publish(onEvm)).statusCode).toBe(201)
    expect(ids(await search('LA', { selector: TRON }))).toEqual([onTron.id])
    expect(ids(await search('LA', { selector: EVM.toUpperCase().replace('0X', '0x') }))).toEqual([onEvm.id])
  })

  it('a hit reveals only the hit fields; a guessed withheld value answers exactly as one that exists nowhere', async () => {
    // PH: partners may only discover (a hit); KR: passports may not be discovered at all.
    const admin = bearer(await gw.token('PH', ['admin']))
    const v = await gw.app.inject({
      method: 'POST',
      url: '/v1/policy/versions',
      headers: admin,
      payload: { text: 'permit (principal, action == Icacn::Action::"discover", resource);' },
    })
    await gw.app.inject({ method: 'POST', url: `/v1/policy/versions/${v.json().version}/activate`, headers: admin })
    const hit = person('PH', {
      names: [{ native: 'Andres Villareal Cruz', latin: 'CRUZ Andres', script: 'Latn' }],
      phones: [{ number: '0917 482 6630' }],
    })
    const secret = person('KR', {
      names: [{ native: '한서율', latin: 'HAN Seo-yul', script: 'Hang' }],
      passports: [{ country: 'KOR', number: 'M58204417' }],
    })
    expect((await publish(hit)).statusCode).toBe(201)
    expect((await publish(secret)).statusCode).toBe(201)

    const found = await search('TH', { selector: '+639174826630' })
    expect(found.json().edges).toHaveLength(1)
    expect(found.json().edges[0].node).toEqual({
      visibility: 'hit',
      hit: { id: hit.id, originator: 'PH', type: 'person', grading: 'B2', createdAt: hit.createdAt, purposeWouldReveal: false },
    })
    expect(found.body).not.toContain('CRUZ')

    const guessed = await search('TH', { selector: 'KOR:M58204417', kind: 'passport' })
    const nowhere = await search('TH', { selector: 'KOR:M99999999', kind: 'passport' })
    expect(guessed.statusCode).toBe(nowhere.statusCode)
    expect(guessed.body.replace('M58204417', 'X')).toBe(nowhere.body.replace('M99999999', 'X'))
    expect(guessed.json().edges).toEqual([])
    // The originator itself finds it.
    expect(ids(await search('KR', { selector: 'KOR:M58204417', kind: 'passport' }))).toEqual([secret.id])
  })

  it('GraphQL leads: the same matches, with nested originators, and the same refusal of bad input', async () => {
    const r = person('LA', {
      names: [{ native: 'ສຸລິຍາ ແກ້ວມະນີ', latin: 'SOULIYA Keomany', script: 'Laoo' }],
      telegramHandles: ['@Nam_Tha_Express'],
    })
    expect((await publish(r)).statusCode).toBe(201)
    const query = `query($f: LeadFilter!) { leads(filter: $f, first: 5) { selector { kind value } edges { matchedFields node { __typename ... on RecordPresentation { record { id originator { code } } } } } } }`
    const gql = async (f: object) =>
      (
        await gw.app.inject({
          method: 'POST',
          url: '/graphql',
          headers: bearer(await gw.token('VN', ['analyst'], 'investigation')),
          payload: { query, variables: { f } },
        })
      ).json()
    const ok = await gql({ selector: 'https://t.me/nam_tha_express' })
    expect(ok.errors).toBeUndefined()
    expect(ok.data.leads.selector).toEqual({ kind: 'telegram', value: 'tg:nam_tha_express' })
    expect(ok.data.leads.edges).toEqual([
      {
        matchedFields: ['/body/telegramHandles'],
        node: { __typename: 'RecordPresentation', record: { id: r.id, originator: { code: 'LA' } } },
      },
    ])
    const bad = await gql({ selector: '@Nam_Tha_Express', kind: 'lottery' })
    expect(bad.errors[0].extensions.code).toBe('VALIDATION_FAILED')
  })

  it('an unrecognisable selector is a 400 naming the parameter', async () => {
    const res = await search('TH', { selector: 'not an identifier at all' })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ pointer: '/selector' }] })
  })

  it('a policy change applies to the very next search, both ways (the classes are never stale)', async () => {
    const la = person('LA', {
      names: [{ native: 'ສົມພອນ ແກ້ວມະນີ', latin: 'SOMPHONE Keomany', script: 'Laoo' }],
      phones: [{ number: '020 5512 7384' }],
    })
    expect((await publish(la)).statusCode).toBe(201)
    const admin = bearer(await gw.token('LA', ['admin']))
    const activate = async (text: string) => {
      const v = await gw.app.inject({ method: 'POST', url: '/v1/policy/versions', headers: admin, payload: { text } })
      expect(
        (await gw.app.inject({ method: 'POST', url: `/v1/policy/versions/${v.json().version}/activate`, headers: admin })).statusCode,
      ).toBe(200)
    }
    const q = { selector: '+856 20 5512 7384' }
    const absent = await search('VN', { selector: '+856 20 2841 9035' })
    expect(ids(await search('VN', q))).toEqual([la.id])
    await activate(
      `${loadDefaultPolicy()}\n@id("la-phones-unfindable") forbid (principal, action, resource) when { resource.label == "phone" };\n`,
    )
    const hidden = await search('VN', q)
    expect(hidden.statusCode).toBe(200)
    expect(hidden.json().edges).toEqual(absent.json().edges)
    expect(hidden.json().edges).toEqual([])
    await activate(loadDefaultPolicy())
    expect(ids(await search('VN', q))).toEqual([la.id])
    expect(ids(await search('LA', q))).toEqual([la.id]) // the originator always finds its own
  })

  it('a decision class committed after a higher-numbered one (ids out of commit order) is still searchable', async () => {
    // The search has seen the classes so far; then a class appears with a lower id than the newest
    // (as when two publishes create classes and the first to take an id commits last).
    expect((await search('VN', { selector: '+855 12 736 408' })).statusCode).toBe(200)
    await sql`insert into selector_classes (id, originator, record_type, label, field_marking, record_marking, grading)
      values (-7, 'KH', 'person', 'phone', 'AMBER', 'AMBER', 'C3')`.execute(gw.app.db)
    const kh = person(
      'KH',
      { names: [{ native: 'ស៊ុន វាសនា', latin: 'SUN Veasna', script: 'Khmr' }], phones: [{ number: '012 736 408' }] },
      { grading: 'C3' },
    )
    expect((await publish(kh)).statusCode).toBe(201)
    expect(
      (
        await sql<{
          class_id: number
        }>`select class_id from record_selectors where record_id = ${kh.id}::uuid and field = 'phones'`.execute(gw.app.db)
      ).rows,
    ).toEqual([{ class_id: -7 }])
    expect(ids(await search('VN', { selector: '+855 12 736 408' }))).toEqual([kh.id])
  })
})
