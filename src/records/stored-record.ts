// The row the gateway stores for a verified record: the envelope in columns, the issuer JWT, and each
// disclosure tagged with its body field, policy label and the field's own marking (what decide() and
// present() read back). Pure: publishing builds it this way, and so do the unit tests of releases.
import { createHash } from 'node:crypto'
import { errors } from '../errors.js'
import type { RecordEnvelope, WrappedField } from '@icacn/sdk'
import type { StoredDisclosure, StoredRecord } from './record.repository.js'
import type { RecordTypes } from './record-types.js'
import type { VerifiedSdJwt } from '@icacn/sdk/sd-jwt'

const unescape = (segment: string) => segment.replace(/~1/g, '/').replace(/~0/g, '~')

/**
 * The body field a disclosure belongs to. Only the type's frame is accepted: a body field, or an
 * element of an array the schema discloses element by element. Anything else (a nested property
 * made disclosable) would be stored but never presented coherently, so it is refused at publish.
 */
export function fieldOf(path: string, type: string, types: RecordTypes): string {
  const m = /^\/body\/([^/]+)(?:\/value\/(\d+))?$/.exec(path)
  const field = m ? unescape(m[1]!) : ''
  if (!m || (m[2] !== undefined && !types.disclosesItems(type, field))) {
    throw errors.invalidEnvelope([
      { pointer: path, detail: "only body fields, and array elements where the type's schema says so, may be selectively disclosable" },
    ])
  }
  return field
}

export interface StoredRecordInput {
  sdJwt: string
  verified: VerifiedSdJwt
  envelope: RecordEnvelope
  fields: Record<string, WrappedField>
  /** kid of the gateway key-binding key the record names in cnf.jwk. */
  holderKid: string
  receivedAt: Date
  types: RecordTypes
}

export function storedRecordOf(i: StoredRecordInput): StoredRecord {
  const { envelope, fields, types } = i
  const disclosures: StoredDisclosure[] = i.verified.disclosures.map((d) => {
    const field = fieldOf(d.path, envelope.type, types)
    return {
      path: d.path,
      digest: d.digest,
      encoded: d.encoded,
      field,
      label: types.label(envelope.type, field),
      marking: fields[field]?.marking ?? null,
      releasableTo: fields[field]?.releasableTo ?? null,
    }
  })
  return {
    ...envelope,
    createdAt: new Date(envelope.createdAt),
    retainUntil: envelope.retainUntil ? new Date(envelope.retainUntil) : null,
    originatorControl: envelope.handling.originatorControl,
    issuerJwt: i.sdJwt.split('~')[0]!,
    signingKid: String(i.verified.header.kid),
    holderKid: i.holderKid,
    sdJwtSha256: createHash('sha256').update(i.sdJwt).digest('base64url'),
    receivedAt: i.receivedAt,
    withdrawnAt: null,
    disclosures,
  }
}
