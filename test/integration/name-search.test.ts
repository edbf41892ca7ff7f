// Free-text name search (issue 5): names and aliases are searchable with NFKC and case folding,
// diacritics folded on Latin letters only (Vietnamese, Filipino) and never on Thai, Lao or Khmer
// marks; a Korean name written as one word is found by its given name; a withheld name field
// answers exactly as a name that exists nowhere; names never make a deconfliction match.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDefaultPolicy } from '../../src/policy/policy.service.js'
import type { RecordInput } from '@icacn/sdk'
import { assertMatchesContract } from '../support/contract.js'
import { bearer, startGateway, type TestGateway } from '../support/app.js'
import { personRecord, publishRecord } from '../support/publish.js'

let gw: TestGateway

const person = personRecord
async function publish(r: RecordInput) {
  const { res } = await publishRecord(gw, r)
  expect(res.statusCode, res.body).toBe(201)
}
const search = async (member: string, query: Record<string, string>) =>
  gw.app.inject({
    method: 'GET',
    url: `/v1/leads?${new URLSearchParams(query)}`,
    headers: bearer(await gw.token(member, ['analyst'], 'investigation')),
  })
const found = async (member: string, text: string) => {
  const res = await search(member, { text })
  expect(res.statusCode, res.body).toBe(200)
  return (res.json().edges as Array<{ matchedFields: string[]; node: { record?: { id: string }; hit?: { id: string } } }>).map((e) => ({
    id: e.node.record?.id ?? e.node.hit!.id,
    fields: e.matchedFields,
  }))
}
const idsOf = async (member: string, text: string) => (await found(member, text)).map((f) => f.id).sort()

const vn = person('VN', { names: [{ native: 'Đặng Văn Thắng', latin: 'DANG Van Thang', script: 'Latn' }], aliases: ['Thắng Ba Đồn'] })
const th = person('TH', { names: [{ native: 'ประเสริฐ วงศ์ใหญ่', latin: 'PRASERT Wongyai', script: 'Thai' }] })
const la = person('LA', { names: [{ native: 'ບຸນມີ ແກ້ວມະນີ', latin: 'BOUNMY Keomany', script: 'Laoo' }] })
const kh = person('KH', { names: [{ native: 'ចាន់ សុភក្ត្រា', latin: 'CHAN Sopheaktra', script: 'Khmr' }] })
const kr = person('KR', { names: [{ native: '류하진', latin: 'RYU Ha-jin', script: 'Hang' }] })
const ph = person('PH', { names: [{ native: 'Ma. Rosario Peñaflor Dimaculangan', script: 'Latn' }], aliases: ['Niña Bulakenya'] })

beforeAll(async () => {
  gw = await startGateway()
  for (const r of [vn, th, la, kh, kr, ph]) await publish(r)
})
afterAll(async () => gw?.close())

describe('name search', () => {
  it('Vietnamese and Filipino names are found without their diacritics, in any case, and through aliases', async () => {
    expect(await found('KR', 'dang van thang')).toEqual([{ id: vn.id, fields: ['/body/names'] }])
    expect(await idsOf('KR', 'ĐẶNG THẮNG')).toEqual([vn.id])
    expect(await found('KR', 'ba don')).toEqual([{ id: vn.id, fields: ['/body/aliases'] }])
    expect(await idsOf('TH', 'penaflor dimacul')).toEqual([ph.id]) // every word, each as a prefix
    expect(await idsOf('TH', 'nina')).toEqual([ph.id])
    expect(await idsOf('TH', 'Ｍａ． ＲＯＳＡＲＩＯ')).toEqual([ph.id]) // full-width forms: NFKC
    expect(await idsOf('TH', 'penaflor thang')).toEqual([]) // words of two records: no record has both
    const res = await search('KR', { text: 'Đặng  Văn!' })
    assertMatchesContract('searchLeads', res)
    expect(res.json().terms).toEqual(['dang', 'van'])
    expect(res.json().selector).toBeUndefined()
  })

  it('Thai, Lao and Khmer marks are kept: the word without its mark is another word', async () => {
    expect(await idsOf('VN', 'วงศ์ใหญ่')).toEqual([th.id])
    expect(await idsOf('VN', 'วงศใหญ่')).toEqual([]) // without the thanthakhat
    expect(await idsOf('VN', 'ແກ້ວມະນີ')).toEqual([la.id])
    expect(await idsOf('VN', 'ແກວມະນີ')).toEqual([]) // without the mai tho
    expect(await idsOf('VN', 'សុភក្ត្រា')).toEqual([kh.id])
    expect(await idsOf('VN', 'សភក្ត្រា')).toEqual([]) // without the vowel sign u
    expect(await idsOf('VN', 'prasert')).toEqual([th.id]) // the romanisation is searchable too
  })

  it('a Korean name is found whole, by its given name, or by its romanisation', async () => {
    expect(await idsOf('TH', '류하진')).toEqual([kr.id])
    expect(await idsOf('TH', '하진')).toEqual([kr.id])
    expect(await idsOf('TH', 'ryu ha jin')).toEqual([kr.id])
    expect(await idsOf('TH', '류하')).toEqual([kr.id]) // a prefix, in whole syllables
    expect(await idsOf('TH', '진')).toEqual([]) // one character is a whole word, not a prefix
  })

  it('a name in a field the caller may not discover answers exactly as a name that exists nowhere', async () => {
    const admin = bearer(await gw.token('KH', ['admin']))
    const text = `${loadDefaultPolicy()}\n@id("kh-names-unfindable-by-ph") forbid (principal, action, resource) when { resource.label == "name" && principal == Icacn::Member::"PH" };\n`
    const v = await gw.app.inject({ method: 'POST', url: '/v1/policy/versions', headers: admin, payload: { text } })
    expect(v.statusCode, v.body).toBe(201)
    expect(
      (await gw.app.inject({ method: 'POST', url: `/v1/policy/versions/${v.json().version}/activate`, headers: admin })).statusCode,
    ).toBe(200)
    const guessed = await search('PH', { text: 'Chan Sopheaktra' })
    const nowhere = await search('PH', { text: 'Chan Sopheaktre' })
    expect(guessed.statusCode).toBe(200)
    expect(guessed.body.replace('sopheaktra', 'X')).toBe(nowhere.body.replace('sopheaktre', 'X'))
    expect(guessed.json().edges).toEqual([])
    expect(await idsOf('VN', 'Chan Sopheaktra')).toEqual([kh.id]) // others still find it
  })

  it('a name whose words NFKC expands past what PostgreSQL indexes publishes; a search for such a word alone is a 400, never a 500', async () => {
    const long = person('KH', { names: [{ native: `សុខ ${'\u3300'.repeat(200)}`, latin: 'SOK', script: 'Khmr' }] })
    await publish(long)
    const res = await search('TH', { text: '\u3300'.repeat(256) })
    expect([res.statusCode, res.json().code, res.json().errors]).toEqual([
      400,
      'VALIDATION_FAILED',
      [{ pointer: '/text', detail: 'letters or digits needed' }],
    ])
    expect(await idsOf('TH', `សុខ ${'\u3300'.repeat(200)}`)).toContain(long.id)
  })

  it('names are never deconflicted: the same name at two members makes no match', async () => {
    const twinA = person('TH', { names: [{ native: 'สมชาย ใจกล้า', latin: 'SOMCHAI Jaikla', script: 'Thai' }] })
    const twinB = person('LA', { names: [{ native: 'ສົມຊາຍ ໃຈກ້າ', latin: 'SOMCHAI Jaikla', script: 'Laoo' }] })
    await publish(twinA)
    await publish(twinB)
    expect(await idsOf('VN', 'somchai jaikla')).toEqual([twinA.id, twinB.id].sort())
    await new Promise((r) => setTimeout(r, 50)) // deconfliction runs after the commit
    for (const [member, rec] of [
      ['TH', twinA],
      ['LA', twinB],
    ] as const) {
      const res = await gw.app.inject({ method: 'GET', url: '/v1/matches', headers: bearer(await gw.token(member)) })
      expect(res.json().matches.filter((m: { mine: { recordId: string } }) => m.mine.recordId === rec.id)).toEqual([])
    }
  })

  it('refuses a query with both or neither of selector and text, or with no word, over REST and GraphQL', async () => {
    for (const q of [{ text: 'somchai', selector: '+66812345678' }, {}, { text: ' —!? ' }, { text: 'somchai', kind: 'phone' }]) {
      const res = await search('TH', q as Record<string, string>)
      expect(res.statusCode, JSON.stringify(q)).toBe(400)
      expect(res.json().code).toBe('VALIDATION_FAILED')
    }
    const query =
      'query($f: LeadFilter!) { leads(filter: $f, first: 3) { terms selector { kind } edges { matchedFields node { __typename } } } }'
    const gql = async (f: object) =>
      (
        await gw.app.inject({
          method: 'POST',
          url: '/graphql',
          headers: bearer(await gw.token('TH', ['analyst'], 'investigation')),
          payload: { query, variables: { f } },
        })
      ).json()
    const ok = await gql({ text: 'dang thang' })
    expect(ok.errors, JSON.stringify(ok.errors)).toBeUndefined()
    expect(ok.data.leads).toEqual({
      terms: ['dang', 'thang'],
      selector: null,
      edges: [{ matchedFields: ['/body/names'], node: { __typename: 'RecordPresentation' } }],
    })
    expect((await gql({ text: '...' })).errors[0].extensions.code).toBe('VALIDATION_FAILED')
    expect((await gql({})).errors[0].extensions.code).toBe('VALIDATION_FAILED')
  })
})
