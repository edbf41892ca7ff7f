// Contact requests on blind matches (issue 5): the blind side asks to be put in contact; the hidden
// side sees who asks and decides; accepting shows it on that match to the asker (REST and GraphQL),
// declining keeps it hidden; nobody else can see or answer; requests lapse; every step is evented.
import { sha256 } from '@noble/hashes/sha2'
import { createBase58check } from '@scure/base'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDefaultPolicy } from '../../src/policy/policy.service.js'
import type { RecordInput } from '@icacn/sdk'
import { assertMatchesContract } from '../support/contract.js'
import { bearer, startGateway, type TestGateway } from '../support/app.js'
import { personRecord, publishRecord } from '../support/publish.js'

let gw: TestGateway

beforeAll(async () => {
  gw = await startGateway()
  // KH keeps its wallet fields undiscoverable (while still deconflicting them): its record and field
  // in a wallet match are hidden from everyone; only its member code shows.
  const admin = bearer(await gw.token('KH', ['admin']))
  const text = `${loadDefaultPolicy()}\n@id("kh-wallets-hidden") forbid (principal, action in [Icacn::Action::"disclose", Icacn::Action::"discover"], resource) when { resource.label == "wallet" };\n`
  const v = await gw.app.inject({ method: 'POST', url: '/v1/policy/versions', headers: admin, payload: { text } })
  expect(
    (await gw.app.inject({ method: 'POST', url: `/v1/policy/versions/${v.json().version}/activate`, headers: admin })).statusCode,
  ).toBe(200)
})
afterAll(async () => gw?.close())

const person = personRecord
async function publish(r: RecordInput) {
  const { res } = await publishRecord(gw, r)
  expect(res.statusCode, res.body).toBe(201)
}
const as = async (member: string, roles = ['analyst']) => bearer(await gw.token(member, roles))
const matchOf = async (member: string, recordId: string) =>
  (
    (await gw.app.inject({ method: 'GET', url: '/v1/matches', headers: await as(member) })).json().matches as Array<{
      id: string
      blind: boolean
      other: unknown
      mine: { recordId: string }
    }>
  ).find((m) => m.mine.recordId === recordId)!
const ask = async (
  member: string,
  matchId: string,
  payload: object = { message: 'เราติดตามกระเป๋าเงินนี้อยู่ ขอประสานงาน', purpose: 'investigation' },
) => gw.app.inject({ method: 'POST', url: `/v1/matches/${matchId}/contact-requests`, headers: await as(member), payload })
const decide = async (member: string, id: string, payload: object) =>
  gw.app.inject({ method: 'POST', url: `/v1/contact-requests/${id}/decision`, headers: await as(member), payload })
const eventsOf = async (member: string, id: string) =>
  (
    (await gw.app.inject({ method: 'GET', url: '/v1/events?limit=500', headers: await as(member) })).json().events as Array<{
      type: string
      subject: string
      data: Record<string, unknown>
    }>
  ).filter((e) => e.subject === `contact-request:${id}`)

// A fresh USDT-on-TRON wallet each time (invented: 0x41 ‖ 20 random bytes, base58check), held by
// KH (hidden) and by TH: exactly one match per pair.
const mkPair = async (thName: string) => {
  const WALLET = createBase58check(sha256).encode(Uint8Array.from([0x41, ...randomBytes(20)]))
  const kh = person('KH', {
    names: [{ native: 'ហេង វិចិត្រ', latin: 'HENG Vichet', script: 'Khmr' }],
    wallets: [{ chain: 'tron', address: WALLET }],
  })
  const th = person('TH', { names: [{ native: thName, script: 'Thai' }], wallets: [{ chain: 'tron', address: WALLET }] })
  await publish(kh)
  await publish(th)
  return { kh, th }
}

describe('contact requests on blind matches', () => {
  it('the blind side asks; the hidden side sees who asks and accepts; the match then shows it to the asker', async () => {
    const { kh, th } = await mkPair('สุริยา บุญมา')
    const blind = await matchOf('TH', th.id)
    expect(blind).toMatchObject({ blind: true, other: { originator: 'KH', recordId: null, field: null } })
    const res = await ask('TH', blind.id)
    expect(res.statusCode, res.body).toBe(201)
    assertMatchesContract('requestMatchContact', res)
    const req = res.json()
    expect(req).toMatchObject({
      matchId: blind.id,
      requester: { originator: 'TH', recordId: th.id, field: '/body/wallets' },
      target: null,
      status: 'pending',
    })
    expect(res.body).not.toContain(kh.id)
    // The hidden side sees the request, with the asker's side and message.
    const inbox = await gw.app.inject({ method: 'GET', url: '/v1/contact-requests?as=target', headers: await as('KH') })
    assertMatchesContract('listContactRequests', inbox)
    expect(inbox.json().items.find((i: { id: string }) => i.id === req.id)).toMatchObject({
      requester: { originator: 'TH', recordId: th.id },
      target: { originator: 'KH', recordId: kh.id, field: '/body/wallets' },
      message: req.message,
    })
    // Asking twice while pending is refused; the asker cannot answer its own request.
    expect((await ask('TH', blind.id)).json().code).toBe('CONTACT_REQUEST_PENDING')
    expect((await decide('TH', req.id, { decision: 'accept' })).statusCode).toBe(404)
    // Accepted: the asker's match and request now show the hidden side.
    const accepted = await decide('KH', req.id, { decision: 'accept' })
    expect(accepted.statusCode, accepted.body).toBe(200)
    assertMatchesContract('decideContactRequest', accepted)
    expect(await matchOf('TH', th.id)).toMatchObject({ blind: false, other: { originator: 'KH', recordId: kh.id, field: '/body/wallets' } })
    const mine = await gw.app.inject({ method: 'GET', url: `/v1/contact-requests/${req.id}`, headers: await as('TH') })
    expect(mine.json()).toMatchObject({ status: 'accepted', target: { originator: 'KH', recordId: kh.id } })
    // Each step evented to both sides; the asker's events named the hidden side only after acceptance.
    const thEvents = await eventsOf('TH', req.id)
    expect(thEvents.map((e) => e.type)).toEqual(['match.contact.requested', 'match.contact.accepted'])
    expect(JSON.stringify(thEvents[0])).not.toContain(kh.id)
    expect((await eventsOf('KH', req.id)).map((e) => e.type)).toEqual(['match.contact.requested', 'match.contact.accepted'])
    // Now visible: no further request.
    expect((await ask('TH', blind.id)).json().code).toBe('MATCH_NOT_BLIND')
  })

  it('declined: the asker learns only that (and the reason given); the match stays blind', async () => {
    const { kh, th } = await mkPair('วิไล ศรีสุข')
    const blind = await matchOf('TH', th.id)
    const req = (await ask('TH', blind.id)).json()
    const declined = await decide('KH', req.id, { decision: 'decline', reason: 'การสืบสวนยังเปิดอยู่' })
    expect(declined.statusCode).toBe(200)
    const seen = await gw.app.inject({ method: 'GET', url: `/v1/contact-requests/${req.id}`, headers: await as('TH') })
    expect(seen.json()).toMatchObject({ status: 'declined', reason: 'การสืบสวนยังเปิดอยู่', target: null })
    expect(seen.body).not.toContain(kh.id)
    expect(await matchOf('TH', th.id)).toMatchObject({ blind: true, other: { originator: 'KH', recordId: null, field: null } })
    expect((await decide('KH', req.id, { decision: 'accept' })).json().code).toBe('CONTACT_REQUEST_CLOSED')
  })

  it('a match that is not yours, or does not exist, is the same 404; others cannot see or answer a request', async () => {
    const { th } = await mkPair('ประยูร แสงทอง')
    const blind = await matchOf('TH', th.id)
    const notMine = await ask('VN', blind.id)
    const missing = await ask('VN', '0190a8e4-7b1c-7cc3-9d6e-2f3a4b5c6d7e')
    expect(notMine.statusCode).toBe(404)
    expect(notMine.body.replace(blind.id, 'X')).toBe(missing.body.replace('0190a8e4-7b1c-7cc3-9d6e-2f3a4b5c6d7e', 'X'))
    const req = (await ask('TH', blind.id)).json()
    for (const member of ['VN', 'PH']) {
      expect((await gw.app.inject({ method: 'GET', url: `/v1/contact-requests/${req.id}`, headers: await as(member) })).statusCode).toBe(
        404,
      )
      expect((await decide(member, req.id, { decision: 'accept' })).statusCode).toBe(404)
    }
    // Bad input changes nothing.
    expect((await ask('TH', blind.id, { message: '', purpose: 'investigation' })).statusCode).toBe(400)
    expect((await ask('TH', blind.id, { message: 'x', purpose: 'curiosity' })).statusCode).toBe(400)
  })

  it('over GraphQL: ask, list as target, accept', async () => {
    const { kh, th } = await mkPair('มานพ ใจดี')
    const blind = await matchOf('TH', th.id)
    const gql = async (member: string, query: string, variables: object = {}) =>
      (await gw.app.inject({ method: 'POST', url: '/graphql', headers: await as(member), payload: { query, variables } })).json()
    const asked = await gql(
      'TH',
      'mutation($m: ID!) { requestMatchContact(matchId: $m, message: "ขอติดต่อ", purpose: "analysis") { id status target { originator } requester { recordId } } }',
      { m: blind.id },
    )
    expect(asked.errors).toBeUndefined()
    expect(asked.data.requestMatchContact).toMatchObject({ status: 'pending', target: null, requester: { recordId: th.id } })
    const inbox = await gql('KH', '{ contactRequests(as: TARGET, status: "pending") { id requester { originator } target { recordId } } }')
    expect(inbox.data.contactRequests).toContainEqual({
      id: asked.data.requestMatchContact.id,
      requester: { originator: 'TH' },
      target: { recordId: kh.id },
    })
    const done = await gql('KH', 'mutation($id: ID!) { decideContactRequest(id: $id, decision: ACCEPT) { status } }', {
      id: asked.data.requestMatchContact.id,
    })
    expect(done.data.decideContactRequest).toEqual({ status: 'accepted' })
    const m = await gql('TH', '{ matches { id blind other { originator recordId } } }')
    expect(m.data.matches.find((x: { id: string }) => x.id === blind.id)).toEqual({
      id: blind.id,
      blind: false,
      other: { originator: 'KH', recordId: kh.id },
    })
  })

  it('an unanswered request lapses after 14 days (evented to both), and can then be asked again', async () => {
    const { th } = await mkPair('สมศรี มีสุข')
    const blind = await matchOf('TH', th.id)
    const req = (await ask('TH', blind.id)).json()
    const { lapseOverdueContactRequests } = await import('../../src/leads/match-contact.service.js')
    expect(await lapseOverdueContactRequests(gw.app.db, new Date(Date.now() + 13 * 86_400_000))).toBe(0)
    expect(await lapseOverdueContactRequests(gw.app.db, new Date(Date.now() + 15 * 86_400_000))).toBeGreaterThanOrEqual(1)
    expect((await gw.app.inject({ method: 'GET', url: `/v1/contact-requests/${req.id}`, headers: await as('TH') })).json().status).toBe(
      'lapsed',
    )
    expect((await eventsOf('KH', req.id)).map((e) => e.type)).toEqual(['match.contact.requested', 'match.contact.lapsed'])
    expect((await ask('TH', blind.id)).statusCode).toBe(201)
  })
})
