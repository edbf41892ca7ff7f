// GraphQL subscriptions over a real WebSocket on loopback (graphql-transport-ws): the token in
// connection_init, each member's messages rendered for it when sent, resuming after a cursor, and the
// socket closed with 4403 on suspension, revocation-like refusals and token expiry.
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { RecordInput } from '@icacn/sdk'
import { setMemberStatus } from '../../src/members/member.service.js'
import { startGateway, type TestGateway } from '../support/app.js'
import { connectGraphqlWs } from '../support/graphql-ws.js'
import { personRecord, publishRecord } from '../support/publish.js'

const PASSPORT = 'E7730215'
let gw: TestGateway
let url: string

const courier = (over: Partial<RecordInput> = {}) =>
  personRecord(
    'KR',
    {
      names: [{ native: 'Phạm Minh Tuấn', latin: 'PHAM Minh Tuan', script: 'Latn' }],
      passports: [{ country: 'VNM', number: PASSPORT }],
      role: 'courier',
    },
    { releasableTo: ['TH', 'VN'], fieldMarkings: { passports: { marking: 'AMBER', releasableTo: ['VN'] } }, ...over },
  )

const connect = (payload: unknown) => connectGraphqlWs(url, payload)

const SHARED = 'subscription($after: String) { recordShared(after: $after) { cursor event { id type subject data } } }'
const sharedAfter = (after: string) => `subscription { recordShared(after: "${after}") { cursor event { id type subject data } } }`

beforeAll(async () => {
  gw = await startGateway({ ACCESS_TOKEN_TTL: '600' })
  await gw.app.listen({ port: 0, host: '127.0.0.1' })
  url = `ws://127.0.0.1:${(gw.app.server.address() as AddressInfo).port}/graphql`
})
afterAll(async () => gw?.close())
afterEach(() => {
  vi.useRealTimers()
})

const token = (m: string) => gw.token(m, ['analyst'], 'investigation')

describe('GraphQL subscriptions', () => {
  it('a record KR shares reaches TH and VN each as it may read it now; LA nothing; a cursor resumes after a message', async () => {
    const [th, vn, la] = await Promise.all(['TH', 'VN', 'LA'].map(async (m) => connect({ authorization: `Bearer ${await token(m)}` })))
    for (const c of [th!, vn!, la!]) {
      await expect.poll(() => c.messages.some((m) => m.type === 'connection_ack')).toBe(true)
      c.subscribe('1', SHARED)
    }
    await new Promise((r) => setTimeout(r, 300))
    const record = courier()
    await publishRecord(gw, record)
    const [toTh] = await th!.next('1')
    const [toVn] = await vn!.next('1')
    expect(toTh.recordShared.event).toMatchObject({ type: 'record.shared', subject: `record:KR:${record.id}` })
    expect(JSON.stringify(toTh)).not.toContain(PASSPORT)
    expect(JSON.stringify(toVn)).toContain(PASSPORT)
    await new Promise((r) => setTimeout(r, 500))
    expect(la!.messages.filter((m) => m.type === 'next')).toEqual([])

    // Reconnect after the first message: the next record arrives, the first does not come again.
    const second = courier()
    const again = await connect({ authorization: `Bearer ${await token('TH')}` })
    again.subscribe('2', sharedAfter(toTh.recordShared.cursor))
    await publishRecord(gw, second)
    const resumed = await again.next('2')
    expect(resumed.map((d) => d.recordShared.event.subject)).toEqual([`record:KR:${second.id}`])
    for (const c of [th!, vn!, la!, again]) c.close()
  })

  it('refuses a connection without a token, a subscription with a bad one (4403), and a forged cursor', async () => {
    const none = await connect({})
    expect((await none.closed).code).not.toBe(1000)
    expect(none.messages.filter((m) => m.type === 'connection_ack')).toEqual([])
    const bad = await connect({ authorization: 'Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJUSCJ9.c2ln' })
    bad.subscribe('1', SHARED)
    expect(await bad.closed).toMatchObject({ code: 4403 })
    const forged = await connect({ authorization: `Bearer ${await token('TH')}` })
    forged.subscribe('1', sharedAfter('A'.repeat(60)))
    await expect.poll(() => forged.messages.find((m) => m.id === '1' && m.type === 'error'), { timeout: 5000 }).toBeTruthy()
    expect(forged.messages.find((m) => m.type === 'error').payload[0].extensions).toMatchObject({ code: 'VALIDATION_FAILED' })
    forged.close()
  })

  it('an Upgrade header on a plain GET is no way around authentication', async () => {
    const res = await gw.app.inject({
      method: 'GET',
      url: '/graphql?query=%7Bmembers%7Bcode%7D%7D',
      headers: { upgrade: 'websocket', 'sec-websocket-protocol': 'graphql-transport-ws' },
    })
    expect(res.statusCode).toBe(401)
    expect(res.json().code).toBe('TOKEN_MISSING')
  })

  it('closes the socket with 4403 when the member is suspended, and when the token expires', async () => {
    const th = await connect({ authorization: `Bearer ${await token('TH')}` })
    th.subscribe('1', SHARED)
    await new Promise((r) => setTimeout(r, 300))
    await setMemberStatus(gw.app.db, 'ops.duty-officer', 'TH', 'suspended', 'inquiry into a leaked lead', new Date())
    await publishRecord(gw, courier())
    expect(await th.closed).toEqual({ code: 4403, reason: 'MEMBER_SUSPENDED' })
    await setMemberStatus(gw.app.db, 'ops.duty-officer', 'TH', 'active', 'inquiry closed', new Date())

    const vn = await connect({ authorization: `Bearer ${await token('VN')}` })
    vn.subscribe('1', SHARED)
    await new Promise((r) => setTimeout(r, 300))
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 11 * 60_000)
    await publishRecord(gw, courier()).catch(() => undefined)
    expect(await vn.closed).toEqual({ code: 4403, reason: 'TOKEN_EXPIRED' })
  })
})
