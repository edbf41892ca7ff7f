// For a partner agency's systems: issue a record as an SD-JWT signed with the agency's own key, and
// verify a presentation received from the gateway against the members' and the gateway's JWKS.
import type { JWK } from 'jose'
import { errors } from './errors.js'
import { type RecordInput, RECORD_TYP, envelopeClaims, wrapBody } from './record.model.js'
import { loadRecordFrames, type RecordFrames } from './record-frame.js'
import { issueSdJwt, type Signer, verifySdJwt } from './sd-jwt/signing.js'

export interface IssueOptions {
  /** The gateway's key-binding key (from its /.well-known/jwks.json): the holder named in cnf. */
  holderJwk: JWK
  /** Which record types disclose array elements one by one (loaded from the SDK's bundled schemas by default). */
  types?: RecordFrames
}

/** Signs `record` once: envelope in the clear, every body field (and listed array element) a disclosure. */
export async function issueRecord(record: RecordInput, signer: Signer, opts: IssueOptions): Promise<string> {
  const types = opts.types ?? loadRecordFrames()
  const body = wrapBody(record.body, record.fieldMarkings)
  const { sdJwt } = await issueSdJwt({
    claims: { ...envelopeClaims(record), iat: Math.floor(Date.parse(record.createdAt) / 1000), body },
    frame: types.frame(record.type, Object.keys(body)),
    typ: RECORD_TYP,
    signer,
    holderJwk: {
      kty: opts.holderJwk.kty,
      crv: opts.holderJwk.crv,
      x: opts.holderJwk.x,
      ...(opts.holderJwk.y ? { y: opts.holderJwk.y } : {}),
      kid: opts.holderJwk.kid,
    },
  })
  return sdJwt
}

export interface Trust {
  /** Member code → JWKS (GET /v1/members/{code}/jwks). Keys carry `alg`; revoked keys are absent. */
  members: Record<string, { keys: JWK[] }>
  /** The gateway's JWKS (/.well-known/jwks.json): the holder key must be one of its keys. */
  gateway: { keys: JWK[] }
}

export interface VerifiedRecord {
  originator: string
  envelope: Record<string, unknown>
  body: Record<string, unknown>
  fieldMarkings: Record<string, { marking?: string; releasableTo?: string[] }>
  disclosedPaths: string[]
  keyBinding: { aud: string; iat: number; nonce: string }
  /** When the gateway received the record, as the gateway signed it in the KB-JWT. */
  receivedAt: Date
}

export interface VerifyPresentationOptions {
  /** The reading member the gateway released the presentation to. */
  aud: string
  /** Freshness, opt-in: the nonce the reader sent with its read; checked only when given. */
  nonce?: string
  /** Freshness, opt-in: refuse a KB-JWT older than this; with none, a presentation verifies at any later time. */
  maxAgeSeconds?: number
  /** The time to verify at (default: now). */
  now?: Date
}

/**
 * Verifies what the gateway released: the originator's signature (key from the trust list by
 * iss and kid), every disclosure against its digest, and the gateway's KB-JWT for `aud` (the
 * reading member) bound to exactly these disclosures. Age and nonce are checked only when asked
 * for, so a presentation kept in a case file still verifies next month.
 */
export async function verifyPresentation(sdJwt: string, trust: Trust, opts: VerifyPresentationOptions): Promise<VerifiedRecord> {
  let signingKey: (JWK & { exp?: number }) | undefined
  const v = await verifySdJwt(sdJwt, {
    typ: RECORD_TYP,
    issuerKey: async (header, payload) => {
      const key = trust.members[String(payload.iss)]?.keys.find((k) => k.kid === header.kid)
      if (!key) throw errors.unknownKey()
      signingKey = key
      return { key, alg: key.alg === 'EdDSA' ? 'EdDSA' : 'ES256' }
    },
    now: opts.now ?? new Date(),
    keyBinding: { aud: opts.aud, now: opts.now ?? new Date(), maxAgeSeconds: opts.maxAgeSeconds, nonce: opts.nonce },
  })
  // A retired key carries exp (its retirement) in the member JWKS: it stands behind records the
  // gateway received before then, by the receipt time the gateway signed, never the signer's iat.
  const receivedAt = v.kb?.claims.icacn_received_at
  if (typeof receivedAt !== 'number')
    throw errors.invalidClaims('key-binding JWT: icacn_received_at (the gateway receipt time) is required')
  if (typeof signingKey?.exp === 'number' && receivedAt >= signingKey.exp) throw errors.keyRetired()
  const cnf = (v.payload.cnf as { jwk?: JWK } | undefined)?.jwk
  // Only a key-binding key of the gateway may be the holder, never its access-token key.
  const holders = trust.gateway.keys.filter((k) => (k as { icacn_use?: string }).icacn_use === 'key-binding')
  if (!holders.some((k) => k.x === cnf?.x && k.y === cnf?.y)) throw errors.invalidHolderKey()
  const { body: wrapped = {}, ...envelope } = v.claims as {
    body?: Record<string, { value: unknown; marking?: string; releasableTo?: string[] }>
  }
  const body: Record<string, unknown> = {}
  const fieldMarkings: VerifiedRecord['fieldMarkings'] = {}
  for (const [k, w] of Object.entries(wrapped)) {
    body[k] = w.value
    if (w.marking || w.releasableTo)
      fieldMarkings[k] = { ...(w.marking ? { marking: w.marking } : {}), ...(w.releasableTo ? { releasableTo: w.releasableTo } : {}) }
  }
  delete (envelope as Record<string, unknown>).cnf
  return {
    originator: String(v.payload.iss),
    envelope,
    body,
    fieldMarkings,
    disclosedPaths: v.disclosures.map((d) => d.path),
    keyBinding: { aud: v.kb!.aud, iat: v.kb!.iat, nonce: v.kb!.nonce },
    receivedAt: new Date(receivedAt * 1000),
  }
}
