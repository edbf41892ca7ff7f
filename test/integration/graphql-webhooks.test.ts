// Webhook subscriptions over GraphQL, against a loopback receiver: the secret is shown once, only an
// admin manages them, another member's id answers as a random one, refusals carry REST's codes and
// pointers into the argument, pings arrive signed (twice after a rotation), pause and resume, replay.
import { randomUUID } from 'node:crypto'
import type { LightMyRequestResponse } from 'fastify'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, startGateway, type TestGateway } from '../support/app.js'
import { type Receiver, startReceiver } from '../support/receiver.js'

let gw: TestGateway
let receiver: Receiver
beforeAll(async () => {
  gw = await startGateway({ WEBHOOK_ALLOW_INSECURE: 'true', WEBHOOK_DELIVERY: 'false' })
  receiver = await startReceiver()
})
afterAll(async () => {
  await gw?.close()
  await receiver?.close()
})

const SUBSCRIPTION = 'id url description actor roles purpose state disabledReason previousSecretUntil createdAt updatedAt'
const FILTER = 'filter { eventTypes recordTypes originators minGrading markings selectors { kind value } }'
const DELIVERY = 'id webhookId eventId eventType state attempts nextAttemptAt createdAt finishedAt'

async function gql(member: string, query: string, variables?: object, roles = ['admin']): Promise<LightMyRequestResponse> {
  const headers = bearer(await gw.token(member, roles))
  return gw.app.inject({ method: 'POST', url: '/graphql', headers, payload: { query, variables } })
}
const data = (res: LightMyRequestResponse) => {
  expect(res.json().errors, res.body).toBeUndefined()
  return res.json().data
}
const refusal = (res: LightMyRequestResponse) => {
  const errors = res.json().errors as Array<{ message: string; extensions: Record<string, unknown> }>
  expect(errors, res.body).toHaveLength(1)
  return errors[0]!
}

const CREATE = `mutation($input: WebhookSubscriptionInput!) { createWebhook(input: $input) { secret subscription { ${SUBSCRIPTION} ${FILTER} } } }`
async function create(member: string, extra: object = {}): Promise<{ id: string; secret: string; res: LightMyRequestResponse }> {
  const res = await gql(member, CREATE, { input: { url: receiver.url, purpose: 'investigation', ...extra } })
  const { createWebhook } = data(res)
  return { id: createWebhook.subscription.id, secret: createWebhook.secret, res }
}
const ping = async (member: string, id: string) =>
  data(await gql(member, 'mutation($id: ID!) { pingWebhook(id: $id) }', { id })).pingWebhook as string
const pings = () => receiver.received.filter((r) => JSON.parse(r.body).type === 'webhook.ping')

describe('GraphQL webhook subscriptions', () => {
  it('create answers the secret once, not to be cached; webhook and webhooks never carry it', async () => {
    const filter = { eventTypes: ['record.shared'], selectors: [{ selector: '+66 81 734 2956', kind: null }] }
    const { id, secret, res } = await create('KR', { description: 'ศูนย์รับแจ้ง', filter })
    expect(res.headers['cache-control']).toBe('no-store')
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/)
    expect(data(res).createWebhook.subscription).toMatchObject({
      url: receiver.url,
      roles: ['analyst'],
      purpose: 'investigation',
      state: 'active',
      disabledReason: null,
      previousSecretUntil: null,
      filter: { eventTypes: ['record.shared'], recordTypes: null, selectors: [{ kind: 'phone', value: '+66817342956' }] },
    })
    const read = await gql('KR', `query($id: ID!) { webhook(id: $id) { ${SUBSCRIPTION} ${FILTER} } webhooks { id } }`, { id })
    expect(data(read).webhook).toEqual(data(res).createWebhook.subscription)
    expect(data(read).webhooks.map((w: { id: string }) => w.id)).toContain(id)
    expect(read.body).not.toContain(secret)
    const asked = await gql('KR', 'query($id: ID!) { webhook(id: $id) { secret } }', { id })
    expect(refusal(asked).extensions.code).toBe('VALIDATION_FAILED')
  })

  it('refuses every field to a token without the admin role with MISSING_ROLE', async () => {
    const { id } = await create('KR')
    for (const [query, variables] of [
      ['{ webhooks { id } }', {}],
      ['query($id: ID!) { webhook(id: $id) { id } }', { id }],
      [CREATE.replace(`{ ${SUBSCRIPTION} ${FILTER} }`, '{ id }'), { input: { url: receiver.url, purpose: 'investigation' } }],
      ['mutation($id: ID!) { pingWebhook(id: $id) }', { id }],
      ['mutation($id: ID!) { deleteWebhook(id: $id) }', { id }],
    ] as const) {
      const res = await gql('KR', query, variables, ['analyst', 'coordinator'])
      expect(refusal(res).extensions, query).toMatchObject({ code: 'MISSING_ROLE', status: 403 })
    }
    expect(data(await gql('KR', 'query($id: ID!) { webhook(id: $id) { id } }', { id })).webhook.id).toBe(id)
  })

  it("answers TH about KR's subscription exactly as about a random id, and changes nothing", async () => {
    const kr = await create('KR', { description: 'KR only' })
    const asTh = async (id: string) => [
      await gql('TH', 'query($id: ID!) { webhook(id: $id) { id } }', { id }),
      await gql('TH', 'query($id: ID!) { webhookDeliveries(webhookId: $id) { next } }', { id }),
      await gql('TH', 'query($id: ID!, $d: ID!) { webhookDelivery(webhookId: $id, deliveryId: $d) { attempts { at } } }', { id, d: id }),
      await gql('TH', 'mutation($id: ID!) { updateWebhook(id: $id, change: { description: "TH now" }) { id } }', { id }),
      await gql('TH', 'mutation($id: ID!) { updateWebhook(id: $id, change: { state: paused }) { id } }', { id }),
      await gql('TH', 'mutation($id: ID!) { deleteWebhook(id: $id) }', { id }),
      await gql('TH', 'mutation($id: ID!) { pingWebhook(id: $id) }', { id }),
      await gql('TH', 'mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }', { id }),
      await gql('TH', 'mutation($id: ID!) { replayWebhook(id: $id, since: "2026-01-01T00:00:00Z") }', { id }),
    ]
    const theirs = await asTh(kr.id)
    const random = await asTh(randomUUID())
    expect(theirs.map((r) => [r.statusCode, r.body])).toEqual(random.map((r) => [r.statusCode, r.body]))
    expect(theirs[0]!.json()).toEqual({ data: { webhook: null } })
    expect(theirs[2]!.json()).toEqual({ data: { webhookDelivery: null } })
    for (const res of [theirs[1]!, ...theirs.slice(3)]) expect(refusal(res).extensions).toMatchObject({ code: 'NOT_FOUND', status: 404 })
    const still = data(await gql('KR', 'query($id: ID!) { webhook(id: $id) { description state previousSecretUntil } }', { id: kr.id }))
    expect(still.webhook).toEqual({ description: 'KR only', state: 'active', previousSecretUntil: null })
  })

  it('refuses bad input with VALIDATION_FAILED and pointers into the argument, storing nothing', async () => {
    const count = async () => data(await gql('LA', '{ webhooks { id } }')).webhooks.length
    const input = (extra: object) => ({ input: { url: receiver.url, purpose: 'investigation', ...extra } })
    for (const [variables, pointers] of [
      [
        input({ filter: { eventTypes: ['record.shared', 'record.burned'], minGrading: 'Z9', originators: ['XX'] } }),
        ['/input/filter/eventTypes/1', '/input/filter/originators/0', '/input/filter/minGrading'],
      ],
      [input({ filter: { markings: [] } }), ['/input/filter/markings']],
      [
        input({ filter: { selectors: [{ selector: '+66817342956' }, { selector: 'nothing here', kind: 'crypto' }] } }),
        ['/input/filter/selectors/1'],
      ],
      [input({ url: 'ftp://hooks.example.la/icacn' }), ['/input/url']],
      [input({ roles: [] }), ['/input/roles']],
      [input({ roles: ['admin'] }), ['/input/roles']],
    ] as const) {
      const err = refusal(await gql('LA', CREATE, variables))
      expect(err.extensions, JSON.stringify(variables)).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 })
      expect((err.extensions.errors as Array<{ pointer: string }>).map((e) => e.pointer).sort()).toEqual([...pointers].sort())
    }
    expect(await count()).toBe(0)
    const { id } = await create('LA')
    const change = async (c: object) =>
      refusal(
        await gql('LA', 'mutation($id: ID!, $c: WebhookSubscriptionChange!) { updateWebhook(id: $id, change: $c) { id } }', { id, c }),
      )
    expect((await change({ filter: { recordTypes: ['starship'] } })).extensions).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ pointer: '/change/filter/recordTypes/0' }],
    })
    expect((await change({ state: 'disabled' })).extensions).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ pointer: '/change/state' }],
    })
    const page = await gql('LA', 'query($id: ID!) { webhookDeliveries(webhookId: $id, limit: 101) { next } }', { id })
    expect(refusal(page).extensions).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ pointer: '/limit' }] })
  })

  it('delivers a signed webhook.ping and shows the delivery with its one 204 attempt', async () => {
    const { id, secret } = await create('VN')
    const delivery = await ping('VN', id)
    await gw.app.deliveries.drain()
    const sent = pings().filter((r) => JSON.parse(r.body).data.data.subscription === id)
    expect(sent).toHaveLength(1)
    expect(new Webhook(secret).verify(sent[0]!.body, sent[0]!.headers)).toMatchObject({ type: 'webhook.ping' })
    const detail = data(
      await gql(
        'VN',
        `query($id: ID!, $d: ID!) { webhookDelivery(webhookId: $id, deliveryId: $d) { delivery { ${DELIVERY} } attempts { at status latencyMs error excerpt } } }`,
        { id, d: delivery },
      ),
    ).webhookDelivery
    expect(detail.delivery).toMatchObject({
      id: delivery,
      eventId: null,
      eventType: 'webhook.ping',
      state: 'delivered',
      attempts: 1,
      nextAttemptAt: null,
    })
    expect(detail.delivery.webhookId).toBe(sent[0]!.headers['webhook-id'])
    expect(detail.attempts).toEqual([expect.objectContaining({ status: 204, error: null })])
    const page = data(
      await gql('VN', `query($id: ID!) { webhookDeliveries(webhookId: $id, limit: 100) { items { ${DELIVERY} } next } }`, { id }),
    )
    expect(page.webhookDeliveries).toEqual({ items: [detail.delivery], next: null })
    // A page is charged per item it may hold (100 here), so aliases cannot multiply pages past the cost limit.
    const pages = Array.from({ length: 6 }, (_, i) => `p${i}: webhookDeliveries(webhookId: $id, limit: 100) { items { ${DELIVERY} } }`)
    expect(refusal(await gql('VN', `query($id: ID!) { ${pages.join(' ')} }`, { id })).extensions.code).toBe('QUERY_TOO_COMPLEX')
    // A replay sends the same delivery again, with the same webhook-id.
    expect(
      data(await gql('VN', 'mutation($id: ID!, $d: ID!) { replayWebhookDelivery(webhookId: $id, deliveryId: $d) }', { id, d: delivery })),
    ).toEqual({
      replayWebhookDelivery: true,
    })
    await gw.app.deliveries.drain()
    const again = pings().filter((r) => JSON.parse(r.body).data.data.subscription === id)
    expect(again.map((r) => r.headers['webhook-id'])).toEqual([sent[0]!.headers['webhook-id'], sent[0]!.headers['webhook-id']])
  })

  it('pauses (nothing is sent) and resumes (the queued ping is sent); a null field is kept', async () => {
    const { id } = await create('KH', { description: 'ក្រុមស៊ើបអង្កេត', filter: { originators: ['TH'] } })
    const update = (change: object) =>
      gql(
        'KH',
        `mutation($id: ID!, $c: WebhookSubscriptionChange!) { updateWebhook(id: $id, change: $c) { state description ${FILTER} } }`,
        { id, c: change },
      )
    expect(data(await update({ state: 'paused', description: null, filter: null })).updateWebhook).toMatchObject({
      state: 'paused',
      description: 'ក្រុមស៊ើបអង្កេត',
      filter: { originators: ['TH'] },
    })
    await ping('KH', id)
    await gw.app.deliveries.drain()
    const mine = () => pings().filter((r) => JSON.parse(r.body).data.data.subscription === id)
    expect(mine()).toEqual([])
    expect(data(await update({ state: 'active' })).updateWebhook.state).toBe('active')
    await gw.app.deliveries.drain()
    expect(mine()).toHaveLength(1)
  })

  it('after a rotation a ping carries two v1 signatures, each secret verifying alone; delete removes it', async () => {
    const { id, secret: old } = await create('PH')
    const rotated = await gql('PH', `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret subscription { previousSecretUntil } } }`, {
      id,
    })
    expect(rotated.headers['cache-control']).toBe('no-store')
    const { secret: fresh, subscription } = data(rotated).rotateWebhookSecret
    expect(fresh).not.toBe(old)
    expect(Date.parse(subscription.previousSecretUntil) - Date.now()).toBeGreaterThan(23 * 3600_000)
    await ping('PH', id)
    await gw.app.deliveries.drain()
    const [sent] = pings().filter((r) => JSON.parse(r.body).data.data.subscription === id)
    const signatures = sent!.headers['webhook-signature']!.split(' ')
    expect(signatures).toHaveLength(2)
    // Each signature alone verifies with exactly one of the secrets, and each secret with one of them.
    const verifies = (secret: string, signature: string) => {
      try {
        return new Webhook(secret).verify(sent!.body, { ...sent!.headers, 'webhook-signature': signature }) !== undefined
      } catch {
        return false
      }
    }
    for (const s of signatures) expect(s).toMatch(/^v1,/)
    const by = signatures.map((s) => [old, fresh].filter((secret) => verifies(secret, s)))
    expect(by.map((b) => b.length)).toEqual([1, 1])
    expect(new Set(by.flat())).toEqual(new Set([old, fresh]))
    expect(data(await gql('PH', 'mutation($id: ID!) { replayWebhook(id: $id, since: "2020-01-01T00:00:00Z") }', { id }))).toEqual({
      replayWebhook: true,
    })
    await gw.app.deliveries.drain()
    expect(pings().filter((r) => JSON.parse(r.body).data.data.subscription === id)).toHaveLength(2)
    expect(data(await gql('PH', 'mutation($id: ID!) { deleteWebhook(id: $id) }', { id }))).toEqual({ deleteWebhook: true })
    expect(data(await gql('PH', 'query($id: ID!) { webhook(id: $id) { id } webhooks { id } }', { id }))).toEqual({
      webhook: null,
      webhooks: [],
    })
  })
})
