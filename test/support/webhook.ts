// Webhook deliveries for tests, built as the gateway sends them (Standard Webhooks headers signed
// with the reference signer): a record.shared event around a real presentation read from a test
// gateway, a ping, and the trust material a receiver verifies the presentation against.
import { randomBytes, randomUUID } from 'node:crypto'
import type { JWK } from 'jose'
import { Webhook } from 'standardwebhooks'
import type { Trust } from '@icacn/sdk'
import { krPersonRecord } from '../fixtures/kr-person.js'
import { bearer, type TestGateway } from './app.js'
import { publishRecord } from './publish.js'

/** A fresh endpoint secret in the gateway's form: whsec_ + base64 of 32 random bytes. */
export const webhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`

/** Every member's JWKS and the gateway's, as `icacn trust` saves them. */
export async function trustOf(gw: TestGateway): Promise<Trust> {
  const t = await gw.token('TH')
  const members: Record<string, { keys: JWK[] }> = {}
  for (const code of ['KR', 'TH', 'LA', 'VN', 'KH', 'PH'])
    members[code] = (await gw.app.inject({ method: 'GET', url: `/v1/members/${code}/jwks`, headers: bearer(t) })).json()
  return { members, gateway: (await gw.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() }
}

export interface SharedRecord {
  subject: string
  /** What the gateway released to the reader: { visibility: 'disclose', sdJwt, record }. */
  read: Record<string, unknown> & { sdJwt: string }
}

/** KR publishes its invented person record and `reader` reads it (for investigation): a real presentation. */
export async function sharedRecord(gw: TestGateway, reader = 'TH'): Promise<SharedRecord> {
  const r = krPersonRecord()
  const { res } = await publishRecord(gw, r)
  if (res.statusCode !== 201) throw new Error(`publish refused: ${res.body}`)
  const got = await gw.app.inject({
    method: 'GET',
    url: `/v1/records/KR/${r.id}`,
    headers: bearer(await gw.token(reader, ['analyst'], 'investigation')),
  })
  if (got.statusCode !== 200) throw new Error(`read refused: ${got.body}`)
  return { subject: `record:KR:${r.id}`, read: got.json() }
}

/** The JSON body of one delivery: the event as the feed shows it, wrapped with its type and send time. */
export function eventBody(type: string, subject: string, data: Record<string, unknown>, at = new Date()): string {
  const event = { id: randomUUID(), type, subject, createdAt: new Date(at.getTime() - 1000).toISOString(), data }
  return JSON.stringify({ type, timestamp: at.toISOString(), data: event })
}

export const recordSharedBody = (s: SharedRecord, read: Record<string, unknown> = s.read): string =>
  eventBody('record.shared', s.subject, { record: read })

export const pingBody = (): string => eventBody('webhook.ping', `subscription:${randomUUID()}`, { subscription: randomUUID() })

/** The headers a delivery carries, signed by each of `secrets` (two during a rotation). */
export function signedHeaders(
  secrets: readonly string[],
  body: string,
  { id = `msg_${randomUUID()}`, at = new Date() }: { id?: string; at?: Date } = {},
): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(id, at, body)).join(' '),
    'content-type': 'application/json',
  }
}
