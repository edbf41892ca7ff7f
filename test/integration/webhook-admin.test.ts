// Managing webhook subscriptions as an attacker would try it: another member's id, the wrong role,
// a guessed id, bad filters and roles, receivers on addresses the gateway must never call (SSRF),
// and the secret: shown once, both secrets signing during a rotation, filters on what a hit hides.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Webhook } from 'standardwebhooks'
import { loadConfig } from '../../src/config.js'
import { loadDefaultPolicy } from '../../src/policy/cedar.js'
import { assertMatchesContract } from '../support/contract.js'
import { bearer, startGateway, type TestGateway } from '../support/app.js'
import { personRecord, publishRecord } from '../support/publish.js'
import { type Receiver, startReceiver } from '../support/receiver.js'

type Gw = TestGateway
const as = async (gw: Gw, m: string, roles = ['admin']) => bearer(await gw.token(m, roles))
const call = async (gw: Gw, m: string, method: string, url: string, payload?: unknown, roles?: string[]) =>
  gw.app.inject({
    method: method as 'GET',
    url,
    headers: await as(gw, m, roles),
    ...(payload !== undefined ? { payload: payload as object } : {}),
  })
const problem = (res: { statusCode: number; json(): any }) => ({ status: res.statusCode, code: res.json().code, detail: res.json().detail })

describe('in development with loopback receivers allowed', () => {
  let gw: Gw
  let rx: Receiver
  let kr: { id: string; secret: string }
  beforeAll(async () => {
    gw = await startGateway({ WEBHOOK_ALLOW_INSECURE: 'true', WEBHOOK_DELIVERY: 'false' })
    rx = await startReceiver()
    const res = await call(gw, 'KR', 'POST', '/v1/webhooks', {
      url: rx.url,
      purpose: 'investigation',
      description: '대검찰청 마약과 수신기',
    })
    expect(res.statusCode).toBe(201)
    kr = res.json()
  })
  afterAll(async () => {
    await gw?.close()
    await rx?.close()
  })

  it('only the admin manages subscriptions', async () => {
    for (const roles of [['analyst'], ['coordinator'], ['analyst', 'coordinator']]) {
      for (const [method, url, body] of [
        ['GET', '/v1/webhooks'],
        ['POST', '/v1/webhooks', { url: rx.url, purpose: 'investigation' }],
        ['GET', `/v1/webhooks/${kr.id}`],
        ['PATCH', `/v1/webhooks/${kr.id}`, { state: 'paused' }],
        ['DELETE', `/v1/webhooks/${kr.id}`],
        ['POST', `/v1/webhooks/${kr.id}:ping`],
        ['POST', `/v1/webhooks/${kr.id}:rotate-secret`],
        ['GET', `/v1/webhooks/${kr.id}/deliveries`],
      ] as const) {
        const res = await call(gw, 'KR', method, url, body, roles)
        expect(problem(res), `${method} ${url} as ${roles}`).toMatchObject({ status: 403, code: 'MISSING_ROLE' })
      }
    }
  })

  it("another member's subscription answers exactly like one that does not exist", async () => {
    const guessed = '0193a5c2-7d4e-7f00-8a1b-2c3d4e5f6a7b'
    for (const [method, url, body] of [
      ['GET', ''],
      ['PATCH', '', { description: 'taken over' }],
      ['DELETE', ''],
      ['POST', ':ping'],
      ['POST', ':rotate-secret'],
      ['POST', ':replay', { since: '2026-01-01T00:00:00Z' }],
      ['GET', '/deliveries'],
    ] as const) {
      const theirs = await call(gw, 'TH', method, `/v1/webhooks/${kr.id}${url}`, body)
      const none = await call(gw, 'TH', method, `/v1/webhooks/${guessed}${url}`, body)
      expect(problem(theirs), `${method} ${url}`).toEqual(problem(none))
      expect(theirs.statusCode).toBe(404)
    }
    expect((await call(gw, 'TH', 'GET', '/v1/webhooks')).json().items).toEqual([])
    // KR's subscription is untouched.
    expect((await call(gw, 'KR', 'GET', `/v1/webhooks/${kr.id}`)).json()).toMatchObject({
      state: 'active',
      description: '대검찰청 마약과 수신기',
    })
  })

  it('the secret is shown once: never by get or list, never in the audit log', async () => {
    const got = await call(gw, 'KR', 'GET', `/v1/webhooks/${kr.id}`)
    assertMatchesContract('getWebhook', got)
    expect(got.body).not.toContain('whsec_')
    const list = await call(gw, 'KR', 'GET', '/v1/webhooks')
    assertMatchesContract('listWebhooks', list)
    expect(list.body).not.toContain(kr.secret.slice(6, 30))
    const audit = await gw.app.db.selectFrom('audit_log').select('details').where('subject', '=', `webhook:${kr.id}`).execute()
    expect(audit.length).toBeGreaterThan(0)
    expect(JSON.stringify(audit)).not.toContain(kr.secret.slice(6, 30))
    const stored = await gw.app.db
      .selectFrom('webhook_subscriptions')
      .select('secret_sealed')
      .where('id', '=', kr.id)
      .executeTakeFirstOrThrow()
    expect(stored.secret_sealed).not.toContain(kr.secret.slice(6, 30))
  })

  it('refuses bad input with a pointer, and changes nothing', async () => {
    const before = (await call(gw, 'KR', 'GET', '/v1/webhooks')).json().items.length
    for (const [body, pointer] of [
      [{ url: rx.url }, '/body'],
      [{ url: rx.url, purpose: 'curiosity' }, undefined],
      [{ url: rx.url, purpose: 'investigation', roles: ['admin'] }, '/body/roles/0'],
      [{ url: rx.url, purpose: 'investigation', filter: { eventTypes: ['record.everything'] } }, '/body/filter/eventTypes/0'],
      [{ url: rx.url, purpose: 'investigation', filter: { originators: ['XX'] } }, '/filter/originators/0'],
      [{ url: 'ftp://127.0.0.1/hooks', purpose: 'investigation' }, '/url'],
      [{ url: 'not a url', purpose: 'investigation' }, '/url'],
    ] as const) {
      const res = await call(gw, 'KR', 'POST', '/v1/webhooks', body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
      if (pointer)
        expect(
          res
            .json()
            .errors?.map((e: { pointer: string }) => e.pointer)
            .join(' '),
        ).toContain(pointer)
    }
    expect((await call(gw, 'KR', 'GET', '/v1/webhooks')).json().items).toHaveLength(before)
  })

  it('a ping is signed; after a rotation both secrets sign for 24 hours, each verifying alone', async () => {
    const ping = await call(gw, 'KR', 'POST', `/v1/webhooks/${kr.id}:ping`)
    expect(ping.statusCode).toBe(202)
    await gw.app.deliveries.drain()
    const first = rx.received.at(-1)!
    expect(new Webhook(kr.secret).verify(first.body, first.headers)).toMatchObject({
      type: 'webhook.ping',
      data: { data: { subscription: kr.id } },
    })
    const rotated = await call(gw, 'KR', 'POST', `/v1/webhooks/${kr.id}:rotate-secret`)
    assertMatchesContract('rotateWebhookSecret', rotated)
    const fresh = rotated.json().secret as string
    expect(fresh).not.toBe(kr.secret)
    expect(Date.parse(rotated.json().previousSecretUntil) - Date.now()).toBeGreaterThan(23 * 3600_000)
    await call(gw, 'KR', 'POST', `/v1/webhooks/${kr.id}:ping`)
    await gw.app.deliveries.drain()
    const second = rx.received.at(-1)!
    expect(second.headers['webhook-signature']!.split(' ')).toHaveLength(2)
    expect(() => new Webhook(fresh).verify(second.body, second.headers)).not.toThrow()
    expect(() => new Webhook(kr.secret).verify(second.body, second.headers)).not.toThrow()
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(second.body, second.headers)).toThrow()
    const detail = await call(gw, 'KR', 'GET', `/v1/webhooks/${kr.id}/deliveries/${ping.json().delivery}`)
    expect(detail.json()).toMatchObject({
      delivery: { state: 'delivered', eventType: 'webhook.ping', eventId: null },
      attempts: [{ status: 204 }],
    })
  })

  it('a filter never matches on what a hit hides: a marking filter skips the hit, a type filter takes it', async () => {
    const rxHit = await startReceiver()
    const byMarking = (
      await call(gw, 'TH', 'POST', '/v1/webhooks', { url: rx.url, purpose: 'investigation', filter: { markings: ['AMBER'] } })
    ).json()
    const byType = (
      await call(gw, 'TH', 'POST', '/v1/webhooks', { url: rxHit.url, purpose: 'investigation', filter: { recordTypes: ['person'] } })
    ).json()
    // For prosecution only: an investigating TH learns it exists (a hit) and nothing of its fields.
    const record = personRecord(
      'KR',
      { names: [{ native: 'Nguyễn Văn Hùng', latin: 'NGUYEN Van Hung', script: 'Latn' }], role: 'broker' },
      { purposeLimits: ['prosecution'] },
    )
    await publishRecord(gw, record)
    await gw.app.deliveries.drain()
    const hits = rxHit.messages().filter((m) => m.data.subject === `record:KR:${record.id}`)
    expect(hits).toHaveLength(1)
    expect(hits[0]!.data.data.record).toMatchObject({ visibility: 'hit', hit: { type: 'person', originator: 'KR' } })
    expect(JSON.stringify(hits[0])).not.toContain('AMBER')
    expect(rx.messages().filter((m) => m.data.subject === `record:KR:${record.id}`)).toEqual([])
    // The skipped delivery is the operator's to see, not TH's.
    const listed = (await call(gw, 'TH', 'GET', `/v1/webhooks/${byMarking.id}/deliveries`)).json().items
    expect(listed).toEqual([])
    await rxHit.close()
    await call(gw, 'TH', 'DELETE', `/v1/webhooks/${byType.id}`)
  })
})

describe('selector filters: a standing lookup', () => {
  let gw: Gw
  let rx: Receiver
  beforeAll(async () => {
    gw = await startGateway({ WEBHOOK_ALLOW_INSECURE: 'true', WEBHOOK_DELIVERY: 'false', LEAD_LOOKUPS_PER_DAY: '5' })
    rx = await startReceiver()
  })
  afterAll(async () => {
    await gw?.close()
    await rx?.close()
  })
  const courier = (phones: string[]) =>
    personRecord(
      'KR',
      {
        names: [{ native: 'สมชาย ใจดี', latin: 'Somchai Jaidee', script: 'Thai' }],
        phones: phones.map((n) => ({ number: n, raw: n })),
        role: 'courier',
      },
      { releasableTo: ['TH'] },
    )
  const sent = (id: string) => rx.messages().filter((m) => m.data.subject === `record:KR:${id}`)

  it('matches a record holding the selector in a field TH may discover, read as a lookup reads it; counts against the quota', async () => {
    const sub = await call(gw, 'TH', 'POST', '/v1/webhooks', {
      url: rx.url,
      purpose: 'investigation',
      filter: { selectors: ['081-234-5678', '+66 81 234 5679'] },
    })
    expect(sub.statusCode, sub.body).toBe(201)
    expect(sub.json().filter.selectors).toEqual([
      { kind: 'phone', value: '+66812345678' },
      { kind: 'phone', value: '+66812345679' },
    ])
    const holds = courier(['+66812345678'])
    const other = courier(['+66898765432'])
    await publishRecord(gw, holds)
    await publishRecord(gw, other)
    await gw.app.deliveries.drain()
    expect(sent(holds.id)).toHaveLength(1)
    expect(sent(other.id)).toEqual([])
    // Two selectors set: two of TH's five lookups today; four more do not fit.
    const over = await call(gw, 'TH', 'PATCH', `/v1/webhooks/${sub.json().id}`, {
      filter: { selectors: ['0812345670', '0812345671', '0812345672', '0812345673'] },
    })
    expect(problem(over)).toMatchObject({ status: 429, code: 'LOOKUP_QUOTA_EXCEEDED' })
    expect((await call(gw, 'TH', 'GET', `/v1/webhooks/${sub.json().id}`)).json().filter.selectors).toHaveLength(2)
    // A change refused for another reason spends nothing: here, a subscription TH does not have.
    const used = async () =>
      (await gw.app.db.selectFrom('lead_lookups').select('used').where('member', '=', 'TH').execute()).reduce((n, r) => n + r.used, 0)
    const before = await used()
    const missing = await call(gw, 'TH', 'PATCH', '/v1/webhooks/0193a5c2-7d4e-7f00-8a1b-2c3d4e5f6a7b', {
      filter: { selectors: ['0812345670'] },
    })
    expect(missing.statusCode).toBe(404)
    expect(await used()).toBe(before)
  })

  it('never matches a value held in a field TH may not discover', async () => {
    const text = `${loadDefaultPolicy()}\n@id("kr-phones-hidden")\nforbid (principal, action, resource)\nwhen { resource.label == "phone" };\n`
    const v = await call(gw, 'KR', 'POST', '/v1/policy/versions', { text })
    expect((await call(gw, 'KR', 'POST', `/v1/policy/versions/${v.json().version}/activate`)).statusCode).toBe(200)
    const holds = courier(['+66812345678'])
    await publishRecord(gw, holds)
    await gw.app.deliveries.drain()
    expect(sent(holds.id)).toEqual([])
  })
})

describe('outside the development setting (SSRF)', () => {
  let gw: Gw
  let rx: Receiver
  beforeAll(async () => {
    rx = await startReceiver()
    // Names resolve through a stub: the receiver's name to 10.0.0.1, and a rebinding name to loopback.
    const names: Record<string, string> = { 'hooks.police.example': '10.0.0.1', 'rebind.police.example': '127.0.0.1' }
    gw = await startGateway(
      { WEBHOOK_DELIVERY: 'false' },
      {
        webhookLookup: async (host) => (names[host] ? [{ address: names[host]!, family: 4 }] : []),
      },
    )
  })
  afterAll(async () => {
    await gw?.close()
    await rx?.close()
  })

  it.each([
    `http://127.0.0.1:PORT/hooks`,
    'https://127.0.0.1/hooks',
    'https://169.254.169.254/latest/meta-data/',
    'https://[::ffff:127.0.0.1]/hooks',
    'https://0x7f000001/hooks',
    'https://[::1]/hooks',
    'https://10.0.0.1/hooks',
    'https://localhost/hooks',
    'https://user:password@hooks.police.example/hooks',
  ])('refuses %s when the subscription is made', async (url) => {
    const res = await call(gw, 'KR', 'POST', '/v1/webhooks', { url: url.replace('PORT', String(rx.port)), purpose: 'investigation' })
    expect(problem(res)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' })
    expect(res.json().errors[0].pointer).toBe('/url')
  })

  it('a name that resolves to a private or loopback address is refused when sending, and nothing connects', async () => {
    for (const host of ['hooks.police.example', 'rebind.police.example']) {
      const made = await call(gw, 'KR', 'POST', '/v1/webhooks', { url: `https://${host}:${rx.port}/hooks`, purpose: 'investigation' })
      expect(made.statusCode).toBe(201)
      const ping = await call(gw, 'KR', 'POST', `/v1/webhooks/${made.json().id}:ping`)
      await gw.app.deliveries.drain()
      const detail = (await call(gw, 'KR', 'GET', `/v1/webhooks/${made.json().id}/deliveries/${ping.json().delivery}`)).json()
      expect(detail.attempts).toEqual([expect.objectContaining({ status: null, error: 'refused-address' })])
    }
    expect(rx.received).toEqual([])
  })

  it('production refuses the development setting', () => {
    expect(() => loadConfig({ ICACN_MODE: 'production', WEBHOOK_ALLOW_INSECURE: 'true' })).toThrow(/WEBHOOK_ALLOW_INSECURE|required/)
    expect(() => loadConfig({ WEBHOOK_ALLOW_CIDRS: '127.0.0.0/8' })).toThrow(/WEBHOOK_ALLOW_CIDRS/)
    expect(() => loadConfig({ WEBHOOK_ALLOW_CIDRS: '169.254.0.0/16' })).toThrow(/WEBHOOK_ALLOW_CIDRS/)
    expect(loadConfig({ WEBHOOK_ALLOW_CIDRS: '10.20.0.0/16, 192.168.40.0/24' }).webhooks.allowCidrs).toHaveLength(2)
  })
})
