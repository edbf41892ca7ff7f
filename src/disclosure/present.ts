// THE choke point: (stored record, decision, reader) → exactly what the reader receives. Every read
// path goes through present(); nothing else turns stored disclosures into a response.
import { randomBytes } from 'node:crypto'
import type { GatewayKey } from '../auth/gateway-keys.js'
import type { Decision } from '../policy/decide.js'
import type { RecordEnvelope } from '@icacn/sdk'
import type { StoredRecord } from '../records/record.repository.js'
import { bindPresentation } from '@icacn/sdk/sd-jwt'

export interface RecordView extends RecordEnvelope {
  receivedAt: string
  withdrawnAt: string | null
  /** The fields the reader received, with their own marking where one was set. */
  body: Record<string, unknown>
  fieldMarkings: Record<string, { marking?: string; releasableTo?: string[] }>
  /** Withheld fields the reader may learn exist (as JSON pointers); others are opaque digests. */
  redacted: string[]
  /** A list or search shows what is released without a purpose; true: a declared purpose would release more. */
  purposeWouldReveal: boolean
}

export interface Presentation {
  visibility: 'disclose'
  /** Authoritative: the SD-JWT with only the released disclosures and a gateway KB-JWT (aud = reader). */
  sdJwt: string
  record: RecordView
  disclosedPaths: string[]
}

const decode = (encoded: string): unknown[] => JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as unknown[]

/** Reassembles a field's value from released disclosures only (by stored digest: nothing re-hashed). */
function fieldValue(wrapped: { value?: unknown }, elements: Map<string, unknown>): unknown {
  const v = wrapped.value
  if (!Array.isArray(v)) return v
  return v.flatMap((el) => {
    const ref = el !== null && typeof el === 'object' && '...' in el ? String((el as Record<string, unknown>)['...']) : undefined
    if (ref === undefined) return [el]
    return elements.has(ref) ? [elements.get(ref)] : []
  })
}

/** The disclosures released to the reader under `decision`: what present() sends and the audit records. */
const releasedDisclosures = (rec: StoredRecord, decision: Decision) => rec.disclosures.filter((d) => decision.disclose.has(d.field))

export const releasedPaths = (rec: StoredRecord, decision: Decision): string[] => releasedDisclosures(rec, decision).map((d) => d.path)

export interface PresentTo {
  /** The reading member: the KB-JWT's audience. */
  reader: string
  kbKey: GatewayKey
  now: Date
  /** The reader's own nonce (so it can check freshness); else a random one. */
  nonce?: string | undefined
}

export function present(rec: StoredRecord, decision: Decision, to: PresentTo): Presentation {
  const stored = rec.disclosures
  if (decision.visibility !== 'disclose') throw new Error('present() called for a record the reader may not see')
  const released = releasedDisclosures(rec, decision)
  const elements = new Map<string, unknown>()
  for (const d of released) if (d.path !== `/body/${d.field}`) elements.set(d.digest, decode(d.encoded)[1])
  const body: Record<string, unknown> = {}
  const fieldMarkings: RecordView['fieldMarkings'] = {}
  for (const d of released) {
    if (d.path !== `/body/${d.field}`) continue
    const wrapped = decode(d.encoded)[2] as { value?: unknown; marking?: string; releasableTo?: string[] }
    body[d.field] = fieldValue(wrapped, elements)
    if (wrapped.marking || wrapped.releasableTo)
      fieldMarkings[d.field] = {
        ...(wrapped.marking ? { marking: wrapped.marking } : {}),
        ...(wrapped.releasableTo ? { releasableTo: wrapped.releasableTo } : {}),
      }
  }
  const fields = new Set(stored.map((d) => d.field))
  const redacted = [...fields].filter((f) => !decision.disclose.has(f) && decision.discover.has(f)).map((f) => `/body/${f}`)
  const sdJwt = bindPresentation({
    issuerJwt: rec.issuerJwt,
    disclosures: released.map((d) => d.encoded),
    signer: { key: to.kbKey.privateKey, kid: to.kbKey.kid, alg: 'ES256' },
    aud: to.reader,
    nonce: to.nonce ?? randomBytes(16).toString('base64url'),
    iat: Math.floor(to.now.getTime() / 1000),
    // Signed receipt time (NumericDate with milliseconds, as the retirement `exp` in member JWKS):
    // lets the reader judge the originator's key as the gateway did, to the millisecond.
    extra: { icacn_received_at: rec.receivedAt.getTime() / 1000 },
  })
  return {
    visibility: 'disclose',
    sdJwt,
    disclosedPaths: released.map((d) => d.path),
    record: {
      id: rec.id,
      originator: rec.originator,
      type: rec.type,
      version: rec.version,
      supersedes: rec.supersedes,
      createdAt: rec.createdAt.toISOString(),
      retainUntil: rec.retainUntil?.toISOString() ?? null,
      marking: rec.marking,
      releasableTo: rec.releasableTo,
      handling: { originatorControl: rec.originatorControl },
      grading: rec.grading,
      purposeLimits: rec.purposeLimits,
      receivedAt: rec.receivedAt.toISOString(),
      withdrawnAt: rec.withdrawnAt?.toISOString() ?? null,
      body,
      fieldMarkings,
      redacted,
      purposeWouldReveal: decision.purposeMissing,
    },
  }
}

/** Existence only: who holds what kind of record, how graded, from when. No body, no SD-JWT. */
export interface RecordHit {
  id: string
  originator: string
  type: string
  grading: string
  createdAt: string
  /** A declared purpose would release fields of it (lists and searches only). */
  purposeWouldReveal: boolean
}

export interface HitPresentation {
  visibility: 'hit'
  hit: RecordHit
}

export function presentHit(rec: StoredRecord, decision: Decision): HitPresentation {
  if (decision.visibility !== 'hit') throw new Error('presentHit() called for a record that is not a hit for the reader')
  return {
    visibility: 'hit',
    hit: {
      id: rec.id,
      originator: rec.originator,
      type: rec.type,
      grading: rec.grading,
      createdAt: rec.createdAt.toISOString(),
      purposeWouldReveal: decision.purposeMissing,
    },
  }
}

/** What one read of one record gives the reader: a presentation or a hit (none is "not found"). */
export type RecordRead = Presentation | HitPresentation
