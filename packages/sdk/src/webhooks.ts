// For a member's webhook receiver: verify one delivery from the gateway. The Standard Webhooks
// signature and timestamp come first (nothing unauthenticated is parsed); then, when the event
// carries a presentation, its SD-JWT is verified as a read would be (originator, disclosures, KB-JWT).
import { timingSafeEqual } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { errors } from './errors.js'
import { type Trust, type VerifiedRecord, verifyPresentation } from './records.js'

export interface VerifyWebhookOptions {
  /** The receiving member: the audience the gateway's key-binding JWT must name. */
  member: string
  /** How far webhook-timestamp may lie from now, either way (default 300 s, the spec's). */
  toleranceSeconds?: number
  /** The time to verify at (default: now). */
  now?: Date
}

/** The event as the gateway's feed (GET /v1/events) shows it to the receiving member. */
export interface WebhookEvent {
  id: string
  type: string
  subject: string
  createdAt: string
  /** As sent: for record.shared `{ record: <presentation or hit> }`; use VerifiedWebhook.record, not its unverified view. */
  data: Record<string, unknown>
}

export interface VerifiedWebhook {
  /** webhook-id: the same on every retry of one event to one endpoint, so the key to deduplicate on. */
  id: string
  /** webhook-timestamp: when this attempt was signed. */
  timestamp: Date
  type: string
  event: WebhookEvent
  /** The verified record, when the event carries a presentation (absent for a hit or a reference-only event). */
  record?: VerifiedRecord
}

export type WebhookHeaders = Record<string, string | string[] | undefined> | Headers

const TOLERANCE_S = 300
// Keeps a byte-order mark: the signature covers the body exactly as sent.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * Verifies a delivery: one of `secret` (two during a rotation) must have signed `id.timestamp.body`,
 * the timestamp must be within the tolerance, and a presentation inside must verify for
 * `opts.member` and be the record the event names. Throws SdkError: WEBHOOK_* for the delivery,
 * the SD-JWT's own codes (TAMPERED_DISCLOSURE, WRONG_AUDIENCE, …) for the record. Messages never
 * quote the body or a secret.
 */
export async function verifyWebhook(
  headers: WebhookHeaders,
  body: string | Uint8Array,
  secret: string | readonly string[],
  trust: Trust,
  opts: VerifyWebhookOptions,
): Promise<VerifiedWebhook> {
  const keys = signers(secret)
  const tolerance = opts.toleranceSeconds ?? TOLERANCE_S
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new TypeError('toleranceSeconds must be a non-negative number')
  const now = opts.now ?? new Date()
  const id = header(headers, 'webhook-id')
  const stamp = header(headers, 'webhook-timestamp')
  const offered = header(headers, 'webhook-signature')
  if (!/^[0-9]{1,12}$/.test(stamp)) throw errors.webhookSignature('webhook-timestamp is not a Unix time in seconds')
  const timestamp = new Date(Number(stamp) * 1000)
  const text = decode(body)
  // Signature before timestamp, so WEBHOOK_TIMESTAMP means an authentic delivery that is stale
  // (a replay, or one held up), not a forgery that happens to be old.
  if (!keys.some((k) => signedBy(k, id, timestamp, text, offered))) throw errors.webhookSignature('no webhook-signature matches the secret')
  if (Math.abs(now.getTime() - timestamp.getTime()) > tolerance * 1000) throw errors.webhookTimestamp(tolerance)

  const event = eventOf(text)
  const record = await presentationIn(event, trust, opts.member, now)
  return { id, timestamp, type: event.type, event, ...(record ? { record } : {}) }
}

/** One Webhook per secret; a secret that is not `whsec_` + base64 is the caller's mistake, not the delivery's. */
function signers(secret: string | readonly string[]): Webhook[] {
  const list = typeof secret === 'string' ? [secret] : secret
  if (list.length === 0) throw new TypeError('at least one webhook secret is required')
  return list.map((s) => {
    try {
      return new Webhook(s)
    } catch {
      throw new TypeError('a webhook secret is not "whsec_" followed by base64')
    }
  })
}

/**
 * The HMAC is the reference implementation's (standardwebhooks `sign`, so the signed content
 * interoperates by construction); its `verify` is not used because it reads the clock itself with
 * a fixed tolerance, which would ignore `now` and `toleranceSeconds`. Compared in constant time.
 */
function signedBy(key: Webhook, id: string, timestamp: Date, body: string, offered: string): boolean {
  const expected = Buffer.from(key.sign(id, timestamp, body).slice('v1,'.length))
  return offered
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => Buffer.from(s.slice('v1,'.length)))
    .some((sig) => sig.length === expected.length && timingSafeEqual(sig, expected))
}

/** A header by name, case-insensitively; one value only (two would be ambiguous about what was signed). */
function header(headers: WebhookHeaders, name: string): string {
  let value: string | string[] | null | undefined
  if (typeof headers.get === 'function') value = (headers as Headers).get(name)
  else {
    const bag = headers as Record<string, string | string[] | undefined>
    const names = Object.keys(bag).filter((k) => k.toLowerCase() === name)
    if (names.length > 1) throw errors.webhookSignature(`more than one ${name} header`)
    value = names[0] === undefined ? undefined : bag[names[0]]
  }
  if (Array.isArray(value)) {
    if (value.length > 1) throw errors.webhookSignature(`more than one ${name} header`)
    value = value[0]
  }
  if (typeof value !== 'string' || value === '') throw errors.webhookSignature(`the ${name} header is missing`)
  return value
}

function decode(body: string | Uint8Array): string {
  if (typeof body === 'string') return body
  try {
    return utf8.decode(body)
  } catch {
    // Not UTF-8, so not the JSON text the gateway signed.
    throw errors.webhookSignature('the body is not UTF-8 text')
  }
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)

/** The authenticated body's event, checked for the shape the gateway sends. */
function eventOf(text: string): WebhookEvent {
  let payload: unknown
  try {
    payload = JSON.parse(text)
  } catch {
    throw errors.webhookMalformed('the body is not JSON')
  }
  if (!isObject(payload) || typeof payload.type !== 'string' || typeof payload.timestamp !== 'string' || !isObject(payload.data))
    throw errors.webhookMalformed('the body must be { type, timestamp, data }')
  const e = payload.data
  for (const field of ['id', 'type', 'subject', 'createdAt'] as const)
    if (typeof e[field] !== 'string') throw errors.webhookMalformed(`data.${field} must be a string`)
  if (!isObject(e.data)) throw errors.webhookMalformed('data.data must be an object')
  if (e.type !== payload.type) throw errors.webhookMalformed('type and data.type differ')
  return { id: e.id as string, type: e.type, subject: e.subject as string, createdAt: e.createdAt as string, data: e.data }
}

/** The verified record of a presentation in the event; none for a hit or an event without a record. */
async function presentationIn(event: WebhookEvent, trust: Trust, member: string, now: Date): Promise<VerifiedRecord | undefined> {
  const read = event.data.record
  if (read === undefined) {
    if (event.type === 'record.shared') throw errors.webhookMalformed('a record.shared event must carry data.record')
    return undefined
  }
  if (!isObject(read) || (read.visibility !== 'disclose' && read.visibility !== 'hit'))
    throw errors.webhookMalformed('data.data.record must be a presentation (visibility "disclose") or a hit')
  if (read.visibility === 'hit') return undefined
  if (typeof read.sdJwt !== 'string') throw errors.webhookMalformed('a presentation must carry sdJwt')
  const record = await verifyPresentation(read.sdJwt, trust, { aud: member, now })
  // The signed record must be the one the event is about, not another the gateway released.
  if (event.subject !== `record:${record.originator}:${String(record.envelope.id)}`)
    throw errors.webhookMalformed('the presentation is not the record the event names (subject)')
  return record
}
