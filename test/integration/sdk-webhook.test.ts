// The SDK's verifyWebhook on deliveries built around TH's real presentation of a KR record: both
// layers are checked (the Standard Webhooks signature and timestamp, then the SD-JWT inside), a
// rotation's two signatures verify with either secret, and no failure quotes the body or a secret.
import { type SdkError, type Trust, verifyWebhook } from '@icacn/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway, type TestGateway } from '../support/app.js'
import {
  eventBody,
  pingBody,
  recordSharedBody,
  type SharedRecord,
  sharedRecord,
  signedHeaders,
  trustOf,
  webhookSecret,
} from '../support/webhook.js'

let gw: TestGateway
let trust: Trust
let shared: SharedRecord
const secret = webhookSecret()

beforeAll(async () => {
  gw = await startGateway()
  trust = await trustOf(gw)
  shared = await sharedRecord(gw, 'TH')
}, 120_000)
afterAll(async () => gw?.close())

const TH = { member: 'TH' }
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => expect.fail('verified'),
    (e: SdkError) => e,
  )

describe('verifyWebhook: a record.shared delivery', () => {
  it("verifies as TH: the delivery's id and time, the event, and the record signed by KR with what TH was shown", async () => {
    const body = recordSharedBody(shared)
    const at = new Date()
    const headers = signedHeaders([secret], body, { id: 'msg_0f2c6e1a-5b3d-4c7e-9a81-2d4f6b8c0e13', at })
    const w = await verifyWebhook(headers, body, secret, trust, TH)
    expect(w.id).toBe('msg_0f2c6e1a-5b3d-4c7e-9a81-2d4f6b8c0e13')
    expect(w.timestamp.getTime()).toBe(Math.floor(at.getTime() / 1000) * 1000)
    expect(w.type).toBe('record.shared')
    expect(w.event).toMatchObject({ type: 'record.shared', subject: shared.subject })
    expect(w.record?.originator).toBe('KR')
    expect(w.record?.keyBinding.aud).toBe('TH')
    expect(w.record?.disclosedPaths).toEqual(expect.arrayContaining(['/body/names', '/body/phones']))
    expect(w.record?.disclosedPaths.some((p) => p.startsWith('/body/passports'))).toBe(false) // VN only
    expect(w.record?.body.names).toEqual([{ native: '박도겸', latin: 'PARK Do-gyeom', script: 'Hang' }])
  })

  it('takes bytes, a fetch Headers object, and header names in any case', async () => {
    const body = recordSharedBody(shared)
    const upper = Object.fromEntries(Object.entries(signedHeaders([secret], body)).map(([k, v]) => [k.toUpperCase(), v]))
    await expect(verifyWebhook(new Headers(upper), new TextEncoder().encode(body), secret, trust, TH)).resolves.toMatchObject({
      record: { originator: 'KR' },
    })
    await expect(verifyWebhook(upper, Buffer.from(body), [secret], trust, TH)).resolves.toMatchObject({ type: 'record.shared' })
  })

  it('a body changed by one byte is refused on the signature, before anything in it is read', async () => {
    const body = recordSharedBody(shared)
    const headers = signedHeaders([secret], body)
    const i = body.indexOf('PARK')
    const tampered = `${body.slice(0, i)}B${body.slice(i + 1)}`
    const e = await refusal(verifyWebhook(headers, tampered, secret, trust, TH))
    expect(e.code).toBe('WEBHOOK_SIGNATURE')
    expect(e.message).not.toContain('BARK')
    expect(e.message).not.toContain(secret.slice(6))
  })

  it('a delivery signed with another secret is refused', async () => {
    const body = recordSharedBody(shared)
    const e = await refusal(verifyWebhook(signedHeaders([webhookSecret()], body), body, secret, trust, TH))
    expect(e.code).toBe('WEBHOOK_SIGNATURE')
  })

  it('missing signature headers are refused on the signature', async () => {
    const body = recordSharedBody(shared)
    const { 'webhook-signature': _omit, ...unsigned } = signedHeaders([secret], body)
    await expect(verifyWebhook(unsigned, body, secret, trust, TH)).rejects.toMatchObject({ code: 'WEBHOOK_SIGNATURE' })
  })

  it('a delivery signed 10 minutes ago is refused on the timestamp; with a wider tolerance it verifies', async () => {
    const body = recordSharedBody(shared)
    const at = new Date(Date.now() - 10 * 60_000)
    const headers = signedHeaders([secret], body, { at })
    const e = await refusal(verifyWebhook(headers, body, secret, trust, TH))
    expect(e.code).toBe('WEBHOOK_TIMESTAMP')
    await expect(verifyWebhook(headers, body, secret, trust, { member: 'TH', toleranceSeconds: 900 })).resolves.toMatchObject({
      record: { originator: 'KR' },
    })
    // `now` reaches both layers: at that time the delivery is fresh, but the key binding was not made yet.
    await expect(verifyWebhook(headers, body, secret, trust, { member: 'TH', now: at })).rejects.toMatchObject({
      code: 'TOKEN_NOT_YET_VALID',
    })
    const ping = pingBody()
    await expect(
      verifyWebhook(signedHeaders([secret], ping, { at }), ping, secret, trust, { member: 'TH', now: at }),
    ).resolves.toBeDefined()
    // From 10 minutes in the future, too.
    const ahead = signedHeaders([secret], body, { at: new Date(Date.now() + 10 * 60_000) })
    await expect(verifyWebhook(ahead, body, secret, trust, TH)).rejects.toMatchObject({ code: 'WEBHOOK_TIMESTAMP' })
  })

  it("a correctly signed delivery of TH's presentation does not verify as VN: the key binding names TH", async () => {
    const body = recordSharedBody(shared)
    const e = await refusal(verifyWebhook(signedHeaders([secret], body), body, secret, trust, { member: 'VN' }))
    expect(e.code).toBe('WRONG_AUDIENCE')
  })

  it('a presentation with a swapped disclosure, re-signed with the webhook secret, is refused on the SD-JWT', async () => {
    const parts = shared.read.sdJwt.split('~')
    const i = parts.findIndex((p, n) => n > 0 && Buffer.from(p, 'base64url').toString().includes('"role"'))
    expect(i).toBeGreaterThan(0)
    const [salt] = JSON.parse(Buffer.from(parts[i]!, 'base64url').toString()) as [string]
    parts[i] = Buffer.from(JSON.stringify([salt, 'role', 'courier'])).toString('base64url')
    const body = recordSharedBody(shared, { ...shared.read, sdJwt: parts.join('~') })
    const e = await refusal(verifyWebhook(signedHeaders([secret], body), body, secret, trust, TH))
    expect(e.code).toBe('TAMPERED_DISCLOSURE')
  })

  it("a presentation of another record than the event's subject is refused as malformed", async () => {
    const body = eventBody('record.shared', 'record:KR:0195f3a2-7c41-7d3e-9b8a-5e2f10c4d6a7', { record: shared.read })
    await expect(verifyWebhook(signedHeaders([secret], body), body, secret, trust, TH)).rejects.toMatchObject({ code: 'WEBHOOK_MALFORMED' })
  })
})

describe('verifyWebhook: rotation, references only, malformed bodies', () => {
  it('during a rotation the two signatures verify with only the new secret, or only the old; a third secret is refused', async () => {
    const old = webhookSecret()
    const body = recordSharedBody(shared)
    const headers = signedHeaders([old, secret], body)
    expect(headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/)
    await expect(verifyWebhook(headers, body, secret, trust, TH)).resolves.toMatchObject({ record: { originator: 'KR' } })
    await expect(verifyWebhook(headers, body, old, trust, TH)).resolves.toMatchObject({ record: { originator: 'KR' } })
    await expect(verifyWebhook(headers, body, [webhookSecret(), old], trust, TH)).resolves.toBeDefined()
    await expect(verifyWebhook(headers, body, webhookSecret(), trust, TH)).rejects.toMatchObject({ code: 'WEBHOOK_SIGNATURE' })
  })

  it('a ping verifies with no record', async () => {
    const body = pingBody()
    const w = await verifyWebhook(signedHeaders([secret], body), body, secret, trust, TH)
    expect(w.type).toBe('webhook.ping')
    expect(w.record).toBeUndefined()
    expect(w.event.data).toEqual({ subscription: expect.any(String) })
  })

  it('a hit verifies with no record (there is no SD-JWT to check)', async () => {
    const hit = {
      visibility: 'hit',
      hit: { id: 'x', originator: 'KR', type: 'person', grading: 'B2', createdAt: new Date().toISOString() },
    }
    const body = eventBody('record.shared', shared.subject, { record: hit })
    const w = await verifyWebhook(signedHeaders([secret], body), body, secret, trust, TH)
    expect(w.record).toBeUndefined()
  })

  it.each([
    ['not JSON', 'not json at all'],
    ['no event', JSON.stringify({ type: 'record.shared', timestamp: new Date().toISOString() })],
    ['record.shared without a record', eventBody('record.shared', 'record:KR:x', {})],
    ['a presentation without sdJwt', eventBody('record.shared', 'record:KR:x', { record: { visibility: 'disclose' } })],
    ['type and data.type differing', eventBody('webhook.ping', 's', {}).replace('"type":"webhook.ping"', '"type":"policy.changed"')],
  ])('an authentic body that is %s is refused as malformed', async (_what, body) => {
    await expect(verifyWebhook(signedHeaders([secret], body), body, secret, trust, TH)).rejects.toMatchObject({ code: 'WEBHOOK_MALFORMED' })
  })

  it('a secret that is not whsec_ + base64 is a TypeError (the configuration, not the delivery), without the secret in it', async () => {
    const body = pingBody()
    const err = await verifyWebhook(signedHeaders([secret], body), body, 'whsec_not*base64', trust, TH).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TypeError)
    expect((err as Error).message).not.toContain('not*base64')
  })
})
