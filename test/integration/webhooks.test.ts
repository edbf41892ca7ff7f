// Webhook delivery end to end with real loopback receivers (development setting allowing http and
// loopback): each member's endpoint gets the record as that member may read it at send time, signed
// as Standard Webhooks; retries keep the webhook-id; dead letters, 410, replays, suspension.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { Webhook } from 'standardwebhooks'
import type { JWK } from 'jose'
import { type RecordInput, verifyPresentation } from '@icacn/sdk'
import { loadDefaultPolicy } from '../../src/policy/cedar.js'
import { setMemberStatus } from '../../src/members/member.service.js'
import { assertMatchesContract } from '../support/contract.js'
import { bearer, startGateway, type TestGateway } from '../support/app.js'
import { personRecord, publishRecord } from '../support/publish.js'
import { type Receiver, startReceiver } from '../support/receiver.js'
import { referenceVerify } from '../support/sd-jwt-reference.js'

const PASSPORT = 'M48210937'
const DEV = { WEBHOOK_ALLOW_INSECURE: 'true', WEBHOOK_DELIVERY: 'false' }

// KR's courier, releasable to TH and VN only; the passport to VN alone.
const courier = (over: Partial<RecordInput> = {}) =>
  personRecord(
    'KR',
    {
      names: [{ native: 'ဦးမောင်မောင်', latin: 'U Maung Maung', script: 'Mymr' }],
      passports: [{ country: 'MMR', number: PASSPORT }],
      role: 'courier',
    },
    { releasableTo: ['TH', 'VN'], fieldMarkings: { passports: { marking: 'AMBER', releasableTo: ['VN'] } }, ...over },
  )

type Gw = TestGateway
const admin = async (gw: Gw, m: string) => bearer(await gw.token(m, ['admin']))
const api = async (gw: Gw, m: string, method: string, url: string, payload?: unknown) =>
  gw.app.inject({
    method: method as 'GET',
    url,
    headers: await admin(gw, m),
    ...(payload !== undefined ? { payload: payload as object } : {}),
  })

async function subscribe(gw: Gw, m: string, r: Receiver, extra: Record<string, unknown> = {}) {
  const res = await api(gw, m, 'POST', '/v1/webhooks', { url: r.url, purpose: 'investigation', ...extra })
  expect(res.statusCode, res.body).toBe(201)
  assertMatchesContract('createWebhook', res)
  return res.json() as { id: string; secret: string }
}

async function trust(gw: Gw) {
  const t = bearer(await gw.token('TH'))
  const members: Record<string, { keys: JWK[] }> = {}
  for (const code of ['KR', 'TH', 'LA', 'VN', 'KH', 'PH'])
    members[code] = (await gw.app.inject({ method: 'GET', url: `/v1/members/${code}/jwks`, headers: t })).json()
  return { members, gateway: (await gw.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() }
}

const recordMessages = (r: Receiver, id: string) => r.messages().filter((m) => m.data.subject === `record:KR:${id}`)
const later = (ms: number) => vi.setSystemTime(Date.now() + ms)

afterEach(() => {
  vi.useRealTimers()
})

describe('delivery to each member as it may read the record now', () => {
  let gw: Gw
  let th: Receiver
  let vn: Receiver
  let la: Receiver
  const subs: Record<string, { id: string; secret: string }> = {}
  beforeAll(async () => {
    gw = await startGateway(DEV)
    ;[th, vn, la] = await Promise.all([startReceiver(), startReceiver(), startReceiver()])
    subs.TH = await subscribe(gw, 'TH', th)
    subs.VN = await subscribe(gw, 'VN', vn)
    subs.LA = await subscribe(gw, 'LA', la)
  })
  afterAll(async () => {
    await gw?.close()
    await Promise.all([th, vn, la].map((r) => r?.close()))
  })

  it('KR publishes: TH and VN each get their own redaction, both layers verify, LA gets nothing', async () => {
    const record = courier()
    expect((await publishRecord(gw, record)).res.statusCode).toBe(201)
    await gw.app.deliveries.drain()
    const [toTh] = recordMessages(th, record.id)
    const [toVn] = recordMessages(vn, record.id)
    expect(toTh?.type).toBe('record.shared')
    expect(toVn?.type).toBe('record.shared')
    expect(recordMessages(la, record.id)).toEqual([])
    const rawTh = th.received.find((x) => x.body.includes(record.id))!
    const rawVn = vn.received.find((x) => x.body.includes(record.id))!
    expect(rawTh.body).not.toContain(PASSPORT)
    expect(rawVn.body).toContain(PASSPORT)
    // Standard Webhooks: the reference implementation verifies each with that endpoint's secret only.
    expect(new Webhook(subs.TH!.secret).verify(rawTh.body, rawTh.headers)).toMatchObject({ type: 'record.shared' })
    expect(new Webhook(subs.VN!.secret).verify(rawVn.body, rawVn.headers)).toMatchObject({ type: 'record.shared' })
    expect(() => new Webhook(subs.VN!.secret).verify(rawTh.body, rawTh.headers)).toThrow()
    expect(rawTh.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/)
    // The SD-JWT inside: the SDK and @sd-jwt/core both accept it, bound to its recipient.
    const t = await trust(gw)
    for (const [m, msg] of [
      ['TH', toTh!],
      ['VN', toVn!],
    ] as const) {
      const sdJwt = msg.data.data.record.sdJwt as string
      const v = await verifyPresentation(sdJwt, t, { aud: m })
      expect(v.originator).toBe('KR')
      expect('passports' in v.body).toBe(m === 'VN')
      await referenceVerify(sdJwt, t.members.KR!.keys[0]!, v.keyBinding.nonce)
    }
    // Each send is an audited release on the webhook channel, as the subscription's actor.
    const audit = await gw.app.db
      .selectFrom('audit_log')
      .select(['actor_member', 'details'])
      .where('subject', '=', `record:KR:${record.id}`)
      .where('action', 'like', 'record.%')
      .execute()
    const webhook = audit.filter((a) => (a.details as { channel?: string }).channel === 'webhook')
    expect(webhook.map((a) => a.actor_member).sort()).toEqual(['TH', 'VN'])
  })

  it('a receiver that answers 500 twice then 2xx gets the same webhook-id three times', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    th.answer(500, 500)
    const record = courier()
    await publishRecord(gw, record)
    await gw.app.deliveries.drain()
    later(6_000)
    await gw.app.deliveries.drain()
    later(6 * 60_000)
    await gw.app.deliveries.drain()
    const sends = th.received.filter((x) => x.body.includes(record.id))
    expect(sends).toHaveLength(3)
    expect(new Set(sends.map((s) => s.headers['webhook-id'])).size).toBe(1)
    // Each send is signed afresh at its own time (verified as the receiver did, when it arrived).
    const now = Date.now()
    for (const s of sends) {
      vi.setSystemTime(s.at)
      expect(() => new Webhook(subs.TH!.secret).verify(s.body, s.headers)).not.toThrow()
    }
    vi.setSystemTime(now)
    expect(new Set(sends.map((s) => s.headers['webhook-timestamp'])).size).toBe(3)
    const list = await api(gw, 'TH', 'GET', `/v1/webhooks/${subs.TH!.id}/deliveries`)
    assertMatchesContract('listWebhookDeliveries', list)
    const d = list.json().items.find((x: { webhookId: string }) => x.webhookId === sends[0]!.headers['webhook-id'])
    expect(d).toMatchObject({ state: 'delivered', attempts: 3, eventType: 'record.shared' })
    const one = await api(gw, 'TH', 'GET', `/v1/webhooks/${subs.TH!.id}/deliveries/${d.id}`)
    assertMatchesContract('getWebhookDelivery', one)
    expect(one.json().attempts.map((a: { status: number }) => a.status)).toEqual([500, 500, 204])
    expect(one.json().attempts[0]).toMatchObject({ error: 'http-status', excerpt: 'refused with 500' })
  })

  it('after KR narrows its policy, a replay to TH carries the narrower view', async () => {
    const record = courier()
    await publishRecord(gw, record)
    await gw.app.deliveries.drain()
    const first = recordMessages(th, record.id)
    expect(first[0]!.data.data.record.record.body.role).toBe('courier')
    const text = `${loadDefaultPolicy()}\n@id("kr-no-roles")\nforbid (principal, action == Icacn::Action::"disclose", resource)\nwhen { resource.label == "role" };\n`
    const v = await api(gw, 'KR', 'POST', '/v1/policy/versions', { text })
    expect((await api(gw, 'KR', 'POST', `/v1/policy/versions/${v.json().version}/activate`)).statusCode).toBe(200)
    const list = (await api(gw, 'TH', 'GET', `/v1/webhooks/${subs.TH!.id}/deliveries`)).json().items
    const d = list.find(
      (x: { webhookId: string }) => x.webhookId === th.received.find((r) => r.body.includes(record.id))!.headers['webhook-id'],
    )
    expect((await api(gw, 'TH', 'POST', `/v1/webhooks/${subs.TH!.id}/deliveries/${d.id}:replay`)).statusCode).toBe(202)
    await gw.app.deliveries.drain()
    const again = recordMessages(th, record.id)
    expect(again).toHaveLength(2)
    expect(again[1]!.data.data.record.record.body).not.toHaveProperty('role')
    expect(again[1]!.data.data.record.record.body.names).toBeDefined()
    expect(th.received.filter((r) => r.body.includes(record.id)).map((r) => r.headers['webhook-id'])).toEqual([d.webhookId, d.webhookId])
  })

  it('after TH is suspended nothing more reaches TH; VN still receives', async () => {
    await setMemberStatus(gw.app.db, 'ops.duty-officer', 'TH', 'suspended', 'review of a leaked lead', new Date())
    const record = courier()
    await publishRecord(gw, record)
    await gw.app.deliveries.drain()
    expect(recordMessages(th, record.id)).toEqual([])
    expect(recordMessages(vn, record.id)).toHaveLength(1)
  })
})

describe('endpoints that fail', () => {
  let gw: Gw
  let rx: Receiver
  beforeAll(async () => {
    gw = await startGateway(DEV)
    rx = await startReceiver()
  })
  afterAll(async () => {
    await gw?.close()
    await rx?.close()
  })

  it('410 Gone disables the endpoint at once and tells its owner; resuming delivers what waited', async () => {
    const sub = await subscribe(gw, 'VN', rx)
    rx.answer(410)
    const record = courier()
    await publishRecord(gw, record)
    await gw.app.deliveries.drain()
    expect(recordMessages(rx, record.id)).toHaveLength(1)
    const got = await api(gw, 'VN', 'GET', `/v1/webhooks/${sub.id}`)
    assertMatchesContract('getWebhook', got)
    expect(got.json()).toMatchObject({ state: 'disabled', disabledReason: 'gone' })
    const feed = (await gw.app.inject({ method: 'GET', url: '/v1/events?limit=500', headers: bearer(await gw.token('VN')) })).json()
    expect(feed.events.filter((e: { type: string }) => e.type === 'webhook.disabled')).toEqual([
      expect.objectContaining({ subject: `webhook:${sub.id}`, data: { subscription: sub.id, reason: 'gone' } }),
    ])
    const resumed = await api(gw, 'VN', 'PATCH', `/v1/webhooks/${sub.id}`, { state: 'active' })
    expect(resumed.json()).toMatchObject({ state: 'active', disabledReason: null })
    await gw.app.deliveries.drain()
    expect(recordMessages(rx, record.id)).toHaveLength(2)
    await api(gw, 'VN', 'DELETE', `/v1/webhooks/${sub.id}`)
  })

  it('is dead-lettered after the last retry (about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) and then left alone', async () => {
    const sub = await subscribe(gw, 'TH', rx)
    vi.useFakeTimers({ toFake: ['Date'] })
    rx.answer(...Array(20).fill(503))
    const record = courier()
    await publishRecord(gw, record)
    await gw.app.deliveries.drain()
    for (const s of [5, 300, 1800, 7200, 18_000, 36_000, 36_000]) {
      later(s * 1.25 * 1000)
      await gw.app.deliveries.drain()
    }
    expect(recordMessages(rx, record.id)).toHaveLength(8)
    later(48 * 3600_000)
    await gw.app.deliveries.drain()
    expect(recordMessages(rx, record.id)).toHaveLength(8)
    const dead = (await api(gw, 'TH', 'GET', `/v1/webhooks/${sub.id}/deliveries?state=dead`)).json().items
    expect(dead).toEqual([expect.objectContaining({ state: 'dead', attempts: 8, nextAttemptAt: null })])
    // Replaying everything since before it sends it once more.
    rx.answer(200)
    const since = new Date(Date.now() - 100 * 3600_000).toISOString()
    expect((await api(gw, 'TH', 'POST', `/v1/webhooks/${sub.id}:replay`, { since })).statusCode).toBe(202)
    await gw.app.deliveries.drain()
    expect(recordMessages(rx, record.id)).toHaveLength(9)
  })
})
