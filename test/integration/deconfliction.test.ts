// Deconfliction: a new record sharing a hard selector with another member's record is a match for
// both originators (GET /v1/matches, GraphQL, events), open or blind per the other side's policy;
// computed once, idempotently.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDefaultPolicy } from '../../src/policy/policy.service.js'
import type { RecordInput } from '../../src/records/record.model.js'
import { assertMatchesContract } from '../support/contract.js'
import { bearer, startGateway, type TestGateway } from '../support/app.js'
import { personRecord, publishRecord } from '../support/publish.js'

let gw: TestGateway

beforeAll(async () => {
  gw = await startGateway()
  // TH keeps its Telegram fields undiscoverable by anyone else: its side of such a match stays hidden.
  const admin = bearer(await gw.token('TH', ['admin']))
  const text = `${loadDefaultPolicy()}\n@id("th-telegram-hidden") forbid (principal, action, resource) when { resource.label == "telegram" };\n`
  const v = await gw.app.inject({ method: 'POST', url: '/v1/policy/versions', headers: admin, payload: { text } })
  await gw.app.inject({ method: 'POST', url: `/v1/policy/versions/${v.json().version}/activate`, headers: admin })
})
afterAll(async () => gw?.close())

const person = (originator: string, body: Record<string, unknown>) => personRecord(originator, body, { grading: 'B3' })
async function publish(r: RecordInput) {
  const { res, sdJwt } = await publishRecord(gw, r)
  expect(res.statusCode, res.body).toBeLessThan(300)
  return sdJwt
}
const matchesOf = async (member: string) => {
  const res = await gw.app.inject({ method: 'GET', url: '/v1/matches', headers: bearer(await gw.token(member)) })
  assertMatchesContract('listMatches', res)
  return res.json().matches as Array<{ id: string; kind: string; value: string; mine: { recordId: string }; other: { originator: string; recordId: string; field: string } | null; blind: boolean }>
}
const eventsOf = async (member: string) =>
  ((await gw.app.inject({ method: 'GET', url: '/v1/events?limit=500', headers: bearer(await gw.token(member)) })).json().events as Array<{ type: string; data: { matchId: string; record: string } }>).filter((e) => e.type === 'match.found')

describe('deconfliction', () => {
  it('fires for both originators when a KR record shares a Thai phone number with a TH record, each seeing the other', async () => {
    const th = person('TH', { names: [{ native: 'อนุชา ทองดี', latin: 'ANUCHA Thongdee', script: 'Thai' }], phones: [{ number: '089-512-7734' }] })
    const kr = person('KR', { names: [{ native: '최윤재', latin: 'CHOI Yun-jae', script: 'Hang' }], phones: [{ number: '+66895127734' }] })
    await publish(th)
    expect((await matchesOf('TH')).filter((m) => m.mine.recordId === th.id)).toEqual([])
    const krSdJwt = await publish(kr)
    const [forKr] = (await matchesOf('KR')).filter((m) => m.mine.recordId === kr.id)
    const [forTh] = (await matchesOf('TH')).filter((m) => m.mine.recordId === th.id)
    expect(forKr).toMatchObject({ kind: 'phone', value: '+66895127734', blind: false, other: { originator: 'TH', recordId: th.id, field: '/body/phones' } })
    expect(forTh).toMatchObject({ id: forKr!.id, blind: false, other: { originator: 'KR', recordId: kr.id, field: '/body/phones' } })
    // Both were told through the event stream, each naming its own record.
    expect((await eventsOf('KR')).filter((e) => e.data.matchId === forKr!.id).map((e) => e.data.record)).toEqual([kr.id])
    expect((await eventsOf('TH')).filter((e) => e.data.matchId === forKr!.id).map((e) => e.data.record)).toEqual([th.id])
    // Idempotent: republishing the same bytes finds nothing new.
    await gw.app.inject({ method: 'POST', url: '/v1/records', headers: bearer(await gw.token('KR')), payload: { sdJwt: krSdJwt } })
    expect((await matchesOf('KR')).filter((m) => m.mine.recordId === kr.id)).toHaveLength(1)
    expect((await eventsOf('KR')).filter((e) => e.data.matchId === forKr!.id)).toHaveLength(1)
    // Members that are not a side know nothing of it.
    expect((await matchesOf('VN')).some((m) => m.id === forKr!.id)).toBe(false)
  })

  it('is blind for the side that may not discover the other\'s field: kind and its own record only', async () => {
    const th = person('TH', { names: [{ native: 'กมล ศรีวงศ์', latin: 'KAMON Sriwong', script: 'Thai' }], telegramHandles: ['@Chiangrai_Crystal'] })
    const vn = person('VN', { names: [{ native: 'Hoàng Thị Lan', latin: 'HOANG Thi Lan', script: 'Latn' }], telegramHandles: ['https://t.me/chiangrai_crystal'] })
    await publish(th)
    await publish(vn)
    const [forVn] = (await matchesOf('VN')).filter((m) => m.mine.recordId === vn.id)
    const [forTh] = (await matchesOf('TH')).filter((m) => m.mine.recordId === th.id)
    // VN may not discover TH's telegram field: blind. TH may discover VN's: open.
    expect(forVn).toEqual({ id: forTh!.id, kind: 'telegram', value: 'tg:chiangrai_crystal', createdAt: expect.any(String), mine: { recordId: vn.id, field: '/body/telegramHandles' }, other: null, blind: true })
    expect(JSON.stringify(await matchesOf('VN'))).not.toContain(th.id)
    expect(forTh).toMatchObject({ blind: false, other: { originator: 'VN', recordId: vn.id } })
    // GraphQL says the same.
    const gql = await gw.app.inject({ method: 'POST', url: '/graphql', headers: bearer(await gw.token('VN')), payload: { query: '{ matches { id kind blind other { originator recordId } } }' } })
    expect(gql.json().data.matches.find((m: { id: string }) => m.id === forVn!.id)).toEqual({ id: forVn!.id, kind: 'telegram', blind: true, other: null })
  })
})
