// GET /v1/events/stream over real HTTP on loopback: each member's stream carries its own feed rendered
// for it when sent (TH and VN each their redaction, LA nothing), resumes exactly after Last-Event-ID,
// skips what the reader may not see, ends on expiry, suspension and revocation, and is capped per member.
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { RecordInput } from '@icacn/sdk'
import { signAccessToken } from '../../src/auth/access-token.js'
import { setMemberStatus } from '../../src/members/member.service.js'
import { ISSUER, startGateway, type TestGateway, bearer, tokenForm } from '../support/app.js'
import { personRecord, publishRecord, withdrawRecord } from '../support/publish.js'
import { openSse, type SseStream } from '../support/sse.js'

const PASSPORT = 'M73920418'
const CAP = 3
let gw: TestGateway
let base: string
const open: SseStream[] = []

// KR's courier, releasable to TH and VN only; the passport to VN alone.
const courier = (over: Partial<RecordInput> = {}) =>
  personRecord(
    'KR',
    {
      names: [{ native: '최도윤', latin: 'CHOI Do-yun', script: 'Hang' }],
      passports: [{ country: 'KOR', number: PASSPORT }],
      role: 'courier',
    },
    { releasableTo: ['TH', 'VN'], fieldMarkings: { passports: { marking: 'AMBER', releasableTo: ['VN'] } }, ...over },
  )
const publish = async (r: RecordInput) => expect((await publishRecord(gw, r)).res.statusCode).toBe(201)
const token = (member: string) => gw.token(member, ['analyst'], 'investigation')
async function stream(member: string | { token: string }, o: { after?: string; lastEventId?: string } = {}): Promise<SseStream> {
  const s = await openSse(base, typeof member === 'string' ? await token(member) : member.token, o)
  open.push(s)
  return s
}
const subjectOf = (r: RecordInput) => `record:KR:${r.id}`
const isAbout = (r: RecordInput) => (b: { data?: string }) => b.data !== undefined && JSON.parse(b.data).subject === subjectOf(r)
const closedWith = (code: string) => (b: { comments: string[] }) => b.comments.includes(`closed: ${code}`)
/** The end of a member's feed now, paged as a client would. */
async function feedEnd(member: string): Promise<string> {
  let after: string | undefined
  for (;;) {
    const q = new URLSearchParams({ limit: '500', ...(after ? { after } : {}) })
    const page = (await gw.app.inject({ method: 'GET', url: `/v1/events?${q}`, headers: bearer(await token(member)) })).json()
    if (page.events.length === 0) return page.cursor
    after = page.cursor
  }
}

beforeAll(async () => {
  gw = await startGateway({ STREAMS_PER_MEMBER: String(CAP) })
  base = await gw.app.listen({ port: 0, host: '127.0.0.1' })
})
afterEach(() => {
  for (const s of open.splice(0)) s.close()
})
afterAll(async () => gw?.close())

describe('event stream', () => {
  it('sends a record KR shares to TH and VN each as it may read it now, and nothing to LA', async () => {
    const [th, vn, la] = [await stream('TH'), await stream('VN'), await stream('LA')]
    expect(th.status).toBe(200)
    expect(th.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(th.headers.get('cache-control')).toBe('no-store')
    expect(th.headers.get('x-accel-buffering')).toBe('no')
    expect(th.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    await th.until((b) => b.retry === '2000')
    const r = courier()
    await publish(r)
    const [thMsg, vnMsg] = [await th.until(isAbout(r)), await vn.until(isAbout(r))]
    expect(thMsg.event).toBe('record.shared')
    const thEvent = JSON.parse(thMsg.data!)
    expect(Object.keys(thEvent).sort()).toEqual(['createdAt', 'data', 'id', 'subject', 'type'])
    expect(thEvent.data.record.visibility).toBe('disclose')
    expect(thMsg.data).not.toContain(PASSPORT)
    expect(vnMsg.data).toContain(PASSPORT)
    // The same view a read gives TH now.
    const read = await gw.app.inject({ method: 'GET', url: `/v1/records/KR/${r.id}`, headers: bearer(await token('TH')) })
    expect(thEvent.data.record.record).toEqual(read.json().record)
    // The message id is a feed cursor right after this event.
    const next = await gw.app.inject({
      method: 'GET',
      url: `/v1/events?${new URLSearchParams({ after: thMsg.id! })}`,
      headers: bearer(await token('TH')),
    })
    expect(next.json().events.map((e: { id: string }) => e.id)).not.toContain(thEvent.id)
    // LA: a record it may see arrives, and is the first thing it was sent.
    const toAll = courier({ releasableTo: ['ALL'], fieldMarkings: {} })
    await publish(toAll)
    await la.until(isAbout(toAll))
    expect(la.events().map((e) => e.data.subject)).toEqual([subjectOf(toAll)])
  })

  it('resumes after Last-Event-ID, which wins over after: each event once, in order', async () => {
    const th = await stream('TH')
    const rs = [courier(), courier(), courier()]
    for (const r of rs) await publish(r)
    await th.until(isAbout(rs[2]!))
    const [first, second] = th.events()
    th.close()
    const again = await stream('TH', { lastEventId: first!.id, after: second!.id })
    await again.until(isAbout(rs[2]!))
    const r4 = courier()
    await publish(r4)
    await again.until(isAbout(r4))
    expect(again.events().map((e) => e.data.subject)).toEqual([rs[1]!, rs[2]!, r4].map(subjectOf))
    // after alone: the same rule.
    const fromQuery = await stream('TH', { after: second!.id })
    await fromQuery.until(isAbout(r4))
    expect(fromQuery.events().map((e) => e.data.subject)).toEqual([rs[2]!, r4].map(subjectOf))
  })

  it('never sends an event about a record the reader may not see at the time it is sent', async () => {
    const start = await feedEnd('TH')
    const withdrawn = courier()
    await publish(withdrawn)
    expect((await withdrawRecord(gw, withdrawn)).statusCode).toBe(200)
    const vnOnly = courier({ releasableTo: ['VN'] })
    await publish(vnOnly)
    const later = courier()
    await publish(later)
    const th = await stream('TH', { after: start })
    await th.until(isAbout(later))
    expect(th.events().map((e) => e.data.subject)).toEqual([subjectOf(later)])
    expect(JSON.stringify(th.blocks)).not.toContain(withdrawn.id)
    expect(JSON.stringify(th.blocks)).not.toContain(vnOnly.id)
  })

  it('ends when the access token expires', async () => {
    const { kid } = await gw.memberKey('TH')
    const now = new Date()
    const short = await signAccessToken(gw.app.gatewayKeys.accessToken, {
      issuer: ISSUER,
      member: 'TH',
      actor: 'night-desk@oncb.example.test',
      roles: ['analyst'],
      purpose: null,
      memberKid: kid,
      now,
      ttlSeconds: 3,
    })
    const th = await stream({ token: short.token })
    expect(th.status).toBe(200)
    await th.until(closedWith('TOKEN_EXPIRED'), 8000)
    await th.ended
    expect(Date.now()).toBeGreaterThanOrEqual(short.claims.exp * 1000)
    const again = await openSse(base, short.token)
    expect([again.status, again.problem?.code]).toEqual([401, 'TOKEN_EXPIRED'])
  })

  it('ends when its member is suspended', async () => {
    const vn = await stream('VN')
    // Once an event has arrived, the stream is past its first check and waiting for the next.
    const r = courier()
    await publish(r)
    await vn.until(isAbout(r))
    await setMemberStatus(gw.app.db, 'ops', 'VN', 'suspended', 'audit of a leaked report', new Date())
    try {
      await vn.until(closedWith('MEMBER_SUSPENDED'), 8000)
      await vn.ended
    } finally {
      await setMemberStatus(gw.app.db, 'ops', 'VN', 'active', 'audit closed', new Date())
    }
  })

  it('ends when the key behind its token is revoked', async () => {
    const admin = await gw.token('PH', ['admin'])
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
    const signer = await gw.memberKey('PH')
    const at = Math.floor(Date.now() / 1000)
    const request = await new SignJWT({ jwk: await exportJWK(publicKey) })
      .setProtectedHeader({ alg: 'ES256', typ: 'key-registration+jwt', kid: signer.kid })
      .setIssuer('PH')
      .setSubject('PH')
      .setAudience(ISSUER)
      .setIssuedAt(at)
      .setExpirationTime(at + 120)
      .setJti(randomUUID())
      .sign(signer.key)
    const reg = await gw.app.inject({ method: 'POST', url: '/v1/members/PH/keys', headers: bearer(admin), payload: { request } })
    expect(reg.statusCode, reg.body).toBe(201)
    const kid = reg.json().kid as string
    const assertion = await gw.assertion('PH', { kid, key: privateKey })
    const issued = await gw.app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: tokenForm(assertion),
    })
    const ph = await stream({ token: issued.json().access_token })
    const r = courier({ releasableTo: ['PH'], fieldMarkings: {} })
    await publish(r)
    await ph.until(isAbout(r))
    const revoked = await gw.app.inject({
      method: 'POST',
      url: `/v1/members/PH/keys/${kid}/revoke`,
      headers: bearer(admin),
      payload: { reason: 'duty laptop lost in Cebu' },
    })
    expect(revoked.statusCode, revoked.body).toBe(200)
    await ph.until(closedWith('KEY_REVOKED'), 8000)
    await ph.ended
  })

  it(`holds at most ${CAP} streams per member: one more is 429 STREAM_LIMIT until one closes`, async () => {
    const held = [await stream('KH'), await stream('KH'), await stream('KH')]
    expect(held.map((s) => s.status)).toEqual([200, 200, 200])
    const over = await stream('KH')
    expect(over.status).toBe(429)
    expect(over.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(over.problem).toMatchObject({ status: 429, code: 'STREAM_LIMIT', type: 'urn:icacn:problem:stream-limit' })
    // Another member is not held back by KH's streams.
    expect((await stream('TH')).status).toBe(200)
    held[0]!.close()
    const streams = gw.app.services().liveStreams
    for (let i = 0; i < 100 && streams.count('KH') >= CAP; i++) await new Promise((r) => setTimeout(r, 20))
    expect((await stream('KH')).status).toBe(200)
  })

  it('refuses a cursor it did not give the caller with a 400 problem, holding no slot', async () => {
    const streams = gw.app.services().liveStreams
    for (let i = 0; i < 100 && streams.count('TH') > 0; i++) await new Promise((r) => setTimeout(r, 20))
    expect(streams.count('TH')).toBe(0)
    const forged = Buffer.from(randomUUID() + randomUUID()).toString('base64url')
    const cases: Array<[{ after?: string; lastEventId?: string }, string]> = [
      [{ after: forged }, '/after'],
      [{ after: 'short' }, '/query/after'],
      [{ after: await feedEnd('VN') }, '/after'],
      [{ lastEventId: forged }, '/headers/last-event-id'],
      [{ lastEventId: await feedEnd('VN'), after: await feedEnd('TH') }, '/headers/last-event-id'],
    ]
    for (const [o, pointer] of cases) {
      const s = await stream('TH', o)
      expect([s.status, s.problem?.code], JSON.stringify(o)).toEqual([400, 'VALIDATION_FAILED'])
      expect((s.problem?.errors as Array<{ pointer: string }>).map((e) => e.pointer)).toContain(pointer)
    }
    expect(streams.count('TH')).toBe(0)
  })
})
