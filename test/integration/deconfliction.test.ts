// Deconfliction: a new record sharing a hard selector with another member's record is a match for
// both originators (GET /v1/matches, GraphQL, events) only while BOTH originators' policies permit
// `deconflict` with the other member and both fields' markings release to it. Each side learns the
// other member and the kind; the other record only as its policy lets it discover the field.
import { sha256 } from '@noble/hashes/sha2'
import { createBase58check } from '@scure/base'
import { randomBytes, randomInt } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDefaultPolicy } from '../../src/policy/policy.service.js'
import type { RecordInput } from '@icacn/sdk'
import { assertMatchesContract } from '../support/contract.js'
import { bearer, startGateway, type TestGateway } from '../support/app.js'
import { personRecord, publishRecord, withdrawRecord } from '../support/publish.js'

let gw: TestGateway
const DEFAULT = loadDefaultPolicy()
const FORBID_DECONFLICT = (when: string) =>
  `${DEFAULT}\n@id("no-deconflict") forbid (principal, action == Icacn::Action::"deconflict", resource) when { ${when} };\n`

async function activate(member: string, text: string) {
  const admin = bearer(await gw.token(member, ['admin']))
  const v = await gw.app.inject({ method: 'POST', url: '/v1/policy/versions', headers: admin, payload: { text } })
  expect(v.statusCode, v.body).toBe(201)
  expect(
    (await gw.app.inject({ method: 'POST', url: `/v1/policy/versions/${v.json().version}/activate`, headers: admin })).statusCode,
  ).toBe(200)
}

beforeAll(async () => {
  gw = await startGateway()
  // TH keeps its Telegram fields undiscoverable by others (still deconflicted): its side stays hidden.
  await activate(
    'TH',
    `${DEFAULT}\n@id("th-telegram-hidden") forbid (principal, action in [Icacn::Action::"disclose", Icacn::Action::"discover"], resource) when { resource.label == "telegram" };\n`,
  )
  // LA never lets its phones be matched; VN deconflicts with everyone but KH.
  await activate('LA', FORBID_DECONFLICT('resource.label == "phone"'))
  await activate('VN', FORBID_DECONFLICT('principal == Icacn::Member::"KH"'))
  // PH's own policy predates the deconflict action and names it nowhere: it inherits the default's rule.
  await activate(
    'PH',
    '@id("ph-analysts") permit (principal, action in [Icacn::Action::"disclose", Icacn::Action::"discover"], resource) when { principal.roles.contains("analyst") };',
  )
})
afterAll(async () => gw?.close())

// Invented numbers in each member's mobile plan (random per call, so tests never meet by accident).
const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('')
const PHONE: Record<string, () => string> = {
  KR: () => `+8210${digits(8)}`,
  TH: () => `+6689${digits(7)}`,
  LA: () => `+8562055${digits(6)}`,
  VN: () => `+8491${digits(7)}`,
  KH: () => `+85512${digits(6)}`,
  PH: () => `+63917${digits(7)}`,
}
const NAME: Record<string, { native: string; latin: string; script: string }> = {
  KR: { native: '최윤재', latin: 'CHOI Yun-jae', script: 'Hang' },
  TH: { native: 'อนุชา ทองดี', latin: 'ANUCHA Thongdee', script: 'Thai' },
  LA: { native: 'ສົມພອນ ແກ້ວມະນີ', latin: 'SOMPHONE Keomany', script: 'Laoo' },
  VN: { native: 'Hoàng Thị Lan', latin: 'HOANG Thi Lan', script: 'Latn' },
  KH: { native: 'ហេង វិចិត្រ', latin: 'HENG Vichet', script: 'Khmr' },
  PH: { native: 'Ramon dela Cruz', latin: 'Ramon DELA CRUZ', script: 'Latn' },
}
const holding = (originator: string, body: Record<string, unknown>, over: Partial<RecordInput> = {}) =>
  personRecord(originator, { names: [NAME[originator]], ...body }, { grading: 'B3', ...over })
async function publish(r: RecordInput) {
  const { res } = await publishRecord(gw, r)
  expect(res.statusCode, res.body).toBe(201)
  return r
}

type MatchView = {
  id: string
  kind: string
  value: string
  mine: { originator: string; recordId: string; field: string }
  other: { originator: string; recordId: string | null; field: string | null }
  blind: boolean
}
const matchesOf = async (member: string) => {
  const res = await gw.app.inject({ method: 'GET', url: '/v1/matches', headers: bearer(await gw.token(member)) })
  assertMatchesContract('listMatches', res)
  return res.json().matches as MatchView[]
}
const matchOf = async (member: string, r: RecordInput) => (await matchesOf(member)).filter((m) => m.mine.recordId === r.id)
const matchEvents = async (member: string) =>
  (
    (await gw.app.inject({ method: 'GET', url: '/v1/events?limit=500', headers: bearer(await gw.token(member)) })).json().events as Array<{
      type: string
      subject: string
      data: Record<string, unknown>
    }>
  ).filter((e) => e.type === 'match.found')

describe('deconfliction', () => {
  it('fires for both originators when a KR record shares a Thai phone with a TH record; the events say no more than the matches', async () => {
    const number = PHONE.TH!()
    const th = await publish(holding('TH', { phones: [{ number: `0${number.slice(3)}` }] })) // written nationally by TH
    expect(await matchOf('TH', th)).toEqual([])
    const kr = await publish(holding('KR', { phones: [{ number }] }))
    const [forKr] = await matchOf('KR', kr)
    const [forTh] = await matchOf('TH', th)
    expect(forKr).toEqual({
      id: expect.any(String),
      kind: 'phone',
      value: number,
      createdAt: expect.any(String),
      mine: { originator: 'KR', recordId: kr.id, field: '/body/phones' },
      other: { originator: 'TH', recordId: th.id, field: '/body/phones' },
      blind: false,
    })
    expect(forTh).toMatchObject({ id: forKr!.id, blind: false, other: { originator: 'KR', recordId: kr.id, field: '/body/phones' } })
    // Each side's event names its own record and the other member, never the value or the other record.
    for (const [member, mine, other] of [
      ['KR', kr, 'TH'],
      ['TH', th, 'KR'],
    ] as const) {
      const events = (await matchEvents(member)).filter((e) => e.data.matchId === forKr!.id)
      expect(events.map((e) => e.data)).toEqual([
        { matchId: forKr!.id, kind: 'phone', record: { originator: member, id: mine.id }, other: { originator: other } },
      ])
      expect(JSON.stringify(events)).not.toContain(number.slice(3))
    }
    // Idempotent: republishing the same record finds nothing new. Members that are not a side know nothing.
    await publishRecord(gw, kr)
    expect(await matchOf('KR', kr)).toHaveLength(1)
    expect((await matchEvents('KR')).filter((e) => e.data.matchId === forKr!.id)).toHaveLength(1)
    expect((await matchesOf('VN')).some((m) => m.id === forKr!.id)).toBe(false)
  })

  it("is blind for the side that may not discover the other's field: the member and kind only", async () => {
    const th = await publish(holding('TH', { telegramHandles: ['@Chiangrai_Crystal'] }))
    const vn = await publish(holding('VN', { telegramHandles: ['https://t.me/chiangrai_crystal'] }))
    const [forVn] = await matchOf('VN', vn)
    const [forTh] = await matchOf('TH', th)
    expect(forVn).toEqual({
      id: forTh!.id,
      kind: 'telegram',
      value: 'tg:chiangrai_crystal',
      createdAt: expect.any(String),
      mine: { originator: 'VN', recordId: vn.id, field: '/body/telegramHandles' },
      other: { originator: 'TH', recordId: null, field: null },
      blind: true,
    })
    expect(forTh).toMatchObject({ blind: false, other: { originator: 'VN', recordId: vn.id } })
    expect(JSON.stringify(await matchesOf('VN'))).not.toContain(th.id)
    expect(JSON.stringify(await matchEvents('VN'))).not.toContain(th.id)
    const gql = await gw.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: bearer(await gw.token('VN')),
      payload: { query: '{ matches { id kind blind other { originator recordId field } } }' },
    })
    expect(gql.json().data.matches.find((m: { id: string }) => m.id === forVn!.id)).toEqual({
      id: forVn!.id,
      kind: 'telegram',
      blind: true,
      other: { originator: 'TH', recordId: null, field: null },
    })
  })

  it("needs both originators' policies: a holder that forbids deconfliction is never matched, and neither side is told", async () => {
    const number = PHONE.LA!()
    const la = await publish(holding('LA', { phones: [{ number }] }))
    const kr = await publish(holding('KR', { phones: [{ number }] }))
    expect(await matchOf('LA', la)).toEqual([])
    expect(await matchOf('KR', kr)).toEqual([])
    for (const m of ['LA', 'KR']) expect(JSON.stringify(await matchEvents(m))).not.toContain(la.id)
    // The same whichever side publishes last.
    const la2 = await publish(holding('LA', { phones: [{ number }] }))
    expect(await matchOf('LA', la2)).toEqual([])
    expect(await matchOf('KR', kr)).toEqual([])
    // The forbid is per principal: VN deconflicts with KR but not with KH.
    const wallet = createBase58check(sha256).encode(Uint8Array.from([0x41, ...randomBytes(20)])) // an invented USDT-on-TRON address
    const vn = await publish(holding('VN', { wallets: [{ chain: 'tron', address: wallet }] }))
    const kh = await publish(holding('KH', { wallets: [{ chain: 'tron', address: wallet }] }))
    expect(await matchOf('KH', kh)).toEqual([])
    const kr2 = await publish(holding('KR', { wallets: [{ chain: 'tron', address: wallet }] }))
    expect((await matchOf('KR', kr2)).map((m) => m.other.originator).sort()).toEqual(['KH', 'VN'])
    expect((await matchOf('VN', vn)).map((m) => m.other.originator)).toEqual(['KR'])
  })

  it('a custom policy without a deconflict rule inherits the default; a later forbid removes the match for both sides at once', async () => {
    const number = PHONE.PH!()
    const ph = await publish(holding('PH', { phones: [{ number }] }))
    const kh = await publish(holding('KH', { phones: [{ number }] }))
    const [forPh] = await matchOf('PH', ph)
    expect(forPh).toMatchObject({ kind: 'phone', other: { originator: 'KH' } })
    expect((await matchOf('KH', kh)).map((m) => m.id)).toEqual([forPh!.id])
    await activate('PH', FORBID_DECONFLICT('principal == Icacn::Member::"KH"'))
    expect(await matchOf('PH', ph)).toEqual([])
    expect(await matchOf('KH', kh)).toEqual([])
  })

  it('markings bind independently of policy: a RED or AMBER+STRICT field never matches a member outside its release list', async () => {
    const number = PHONE.TH!()
    // A RED record released to LA only, and an AMBER record whose phones are AMBER+STRICT to VN only.
    const red = await publish(holding('TH', { phones: [{ number }] }, { marking: 'RED', releasableTo: ['LA'] }))
    const strict = await publish(
      holding('TH', { phones: [{ number }] }, { fieldMarkings: { phones: { marking: 'AMBER+STRICT', releasableTo: ['VN'] } } }),
    )
    // Batch lookup says no-hit to KR, and publishing the value does not turn it into a match.
    const lookup = await gw.app.inject({
      method: 'POST',
      url: '/v1/leads:lookup',
      headers: bearer(await gw.token('KR')),
      payload: { selectors: [{ selector: number }] },
    })
    expect(lookup.json().results[0]).toMatchObject({ hit: false })
    const kr = await publish(holding('KR', { phones: [{ number }] }))
    expect(await matchOf('KR', kr)).toEqual([])
    expect(JSON.stringify(await matchEvents('KR'))).not.toContain(kr.id)
    // The same when the RED record is the one published last.
    const red2 = await publish(holding('TH', { phones: [{ number }] }, { marking: 'RED', releasableTo: ['LA'] }))
    expect(await matchOf('KR', kr)).toEqual([])
    expect(await matchOf('TH', red2)).toEqual([])
    // VN is on the field's list: of TH's two it matches the AMBER+STRICT record only (not the RED one).
    const vn = await publish(holding('VN', { phones: [{ number }] }))
    expect((await matchOf('VN', vn)).filter((m) => m.other.originator === 'TH').map((m) => m.other)).toEqual([
      { originator: 'TH', recordId: strict.id, field: '/body/phones' },
    ])
    expect((await matchOf('TH', red)).map((m) => m.other.originator)).toEqual([])
  })

  it('a withdrawn record never matches and raises no event; withdrawing removes its matches for both sides', async () => {
    const number = PHONE.KH!()
    const gone = await publish(holding('KH', { phones: [{ number }] }))
    expect((await withdrawRecord(gw, gone)).statusCode).toBe(200)
    const kr = await publish(holding('KR', { phones: [{ number }] }))
    expect(await matchOf('KR', kr)).toEqual([])
    expect(JSON.stringify(await matchEvents('KR'))).not.toContain(kr.id)
    const kh = await publish(holding('KH', { phones: [{ number }] }))
    expect((await matchOf('KR', kr)).map((m) => m.other.recordId)).toEqual([kh.id])
    expect((await withdrawRecord(gw, kh)).statusCode).toBe(200)
    expect(await matchOf('KR', kr)).toEqual([])
    expect(await matchOf('KH', kh)).toEqual([])
  })
})
