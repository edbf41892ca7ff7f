// Publishing a signed record: verified once on arrival (signature with the caller's own key, digests,
// envelope, body schema, holder key), then stored with its audit entry in one statement. The gateway
// answers with a signed receipt of exactly which bytes it received, and when.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import type { Principal } from '../auth/principal.js'
import type { AuditEntry } from '../audit/audit.repository.js'
import { errors, fromSdk } from '../errors.js'
import { assertKeyUsable } from '../members/jwks.js'
import { findKey } from '../members/key.repository.js'
import { parseRecordClaims } from './envelope.js'
import { signReceipt } from './receipt.js'
import { RECORD_TYP } from '@icacn/sdk'
import { findCorrection, findOwnRecord, isUniqueViolation, type StoredRecord } from './record.repository.js'
import { storedRecordOf } from './stored-record.js'
import type { GatewayKeySet } from '../auth/gateway-keys.js'
import type { MemberKeyCache } from '../members/member-key.cache.js'
import type { Matcher } from '../leads/match.service.js'
import type { ClassIds } from '../leads/selector-class.repository.js'
import type { RecordWriter } from './record-writer.js'
import type { PublishQuota } from '../leads/publish-quota.js'
import type { ZawgyiCheck } from './zawgyi.js'
import type { RecordTypes } from './record-types.js'
import { insertRecords, type NewName, type NewSelector } from './record-write.repository.js'
import { extractNames } from '@icacn/sdk/normalise'
import { extractSelectors } from '../leads/selector.extract.js'
import { assertSdJwtProfile, verifySdJwt } from '@icacn/sdk/sd-jwt'

export interface PublishResult {
  created: boolean
  receipt: string
  record: { id: string; originator: string; type: string; version: number; receivedAt: string; sdJwtSha256: string }
}

export interface PublishDeps {
  types: RecordTypes
  /** The gateway's key-binding keys (a record's cnf.jwk must be one) and receipt signing key. */
  receiptKeys: GatewayKeySet
  /** The gateway's issuer identifier, in receipts. */
  issuer: string
  maxRecordBytes: number
  /** Every member code (fixed by migration). */
  memberCodes: ReadonlySet<string>
  memberKeys: MemberKeyCache
  writer: RecordWriter
  classIds: ClassIds
  /** Deconfliction of the record once committed. */
  matcher: Matcher
  /** Identifiers new to the publisher, per UTC day (deconfliction is an existence test). */
  publishQuota: PublishQuota
  /** Hard identifiers one record may carry in all. */
  maxSelectors: number
  /** Refuses Burmese text in the legacy Zawgyi encoding (the gateway cannot convert signed bytes). */
  zawgyiCheck: ZawgyiCheck
  now: Date
}

/** Verifies everything that can be verified without writing, and builds the row to store. */
async function verifyForPublish(
  db: Kysely<DB>,
  deps: PublishDeps,
  p: Principal,
  sdJwt: string,
): Promise<{ stored: StoredRecord; selectors: NewSelector[]; names: NewName[] }> {
  if (Buffer.byteLength(sdJwt, 'utf8') > deps.maxRecordBytes) throw errors.recordTooLarge(deps.maxRecordBytes)
  const verified = await verifySdJwt(sdJwt, {
    typ: RECORD_TYP,
    // Only the caller's own keys. The key's state is judged where the record is written.
    issuerKey: async (header, payload) => {
      if (payload.iss !== p.member) throw errors.wrongIssuer('iss must be the authenticated member')
      const key = typeof header.kid === 'string' ? await deps.memberKeys.get(db, p.member, header.kid) : undefined
      if (!key) throw errors.unknownKey()
      return key
    },
    now: deps.now,
  }).catch((e: unknown) => Promise.reject(fromSdk(e)))
  try {
    assertSdJwtProfile(verified)
  } catch (e) {
    throw fromSdk(e)
  }
  const payloadBody = verified.payload.body as Record<string, unknown> | undefined
  const clearFields = Object.keys(payloadBody ?? {}).filter((k) => k !== '_sd')
  if (clearFields.length)
    throw errors.invalidEnvelope(
      clearFields.map((f) => ({ pointer: `/body/${f}`, detail: 'every body field must be selectively disclosable' })),
    )
  const cnf = (verified.payload.cnf as { jwk?: { x?: string; y?: string } } | undefined)?.jwk
  const holder = deps.receiptKeys.all.find((k) => k.publicJwk.x === cnf?.x && k.publicJwk.y === cnf?.y)
  if (!holder) throw errors.invalidHolderKey()

  const { envelope, fields } = parseRecordClaims(verified.claims, deps.memberCodes, deps.types)
  const stored = storedRecordOf({ sdJwt, verified, envelope, fields, holderKid: holder.kid, receivedAt: deps.now, types: deps.types })
  // Hard selectors, normalised (an invalid one refuses the record), in the originator's region.
  const values = Object.fromEntries(Object.entries(fields).map(([name, w]) => [name, w.value]))
  const zawgyiAt = deps.zawgyiCheck(values)
  if (zawgyiAt) throw errors.zawgyiEncoding(zawgyiAt)
  const found = extractSelectors(values, (f) => deps.types.label(envelope.type, f), p.member)
  if (found.length > deps.maxSelectors) throw errors.tooManySelectors(found.length, deps.maxSelectors)
  // Names and aliases, for free-text search only (never deconflicted).
  const names = extractNames(values, (f) => deps.types.label(envelope.type, f))
  const classKey = (x: { field: string; label: string }) => ({
    originator: p.member,
    recordType: envelope.type,
    label: x.label,
    fieldMarking: fields[x.field]?.marking ?? envelope.marking,
    recordMarking: envelope.marking,
    grading: envelope.grading,
  })
  const classIds = await deps.classIds.resolve([...found, ...names].map(classKey))
  const selectors = found.map((x, i) => ({
    field: x.field,
    kind: x.kind,
    value: x.value,
    classId: classIds[i]!,
    fieldReleasableTo: fields[x.field]?.releasableTo ?? null,
  }))
  const nameRows = names.map((x, i) => ({
    field: x.field,
    classId: classIds[found.length + i]!,
    fieldReleasableTo: fields[x.field]?.releasableTo ?? null,
    lexemes: x.lexemes,
  }))
  return { stored, selectors, names: nameRows }
}

/**
 * Identical bytes under an existing id return the stored record; different bytes are a conflict.
 * Only the caller's own records are consulted, so publishing never reveals another member's ids.
 */
export async function publishRecord(db: Kysely<DB>, deps: PublishDeps, p: Principal, sdJwt: string): Promise<PublishResult> {
  const { stored, selectors, names } = await verifyForPublish(db, deps, p, sdJwt)
  // Counted before the write, given back if the record is not stored: a refused publish stores nothing.
  const counted = await deps.publishQuota.consume(
    p.member,
    selectors.map((x) => x.value),
    deps.now,
  )
  if (counted === false) throw errors.publishQuotaExceeded(deps.publishQuota.limit)
  try {
    const result = await publishVerified(db, deps, p, stored, selectors, names)
    if (!result.created) await deps.publishQuota.refund(p.member, counted, deps.now)
    return result
  } catch (e) {
    await deps.publishQuota.refund(p.member, counted, deps.now)
    throw e
  }
}

async function publishVerified(
  db: Kysely<DB>,
  deps: PublishDeps,
  p: Principal,
  stored: StoredRecord,
  selectors: NewSelector[],
  names: NewName[],
): Promise<PublishResult> {
  const audit: AuditEntry = {
    at: deps.now,
    actor: { kind: 'member', member: p.member, actor: p.actor },
    action: 'record.published',
    subject: `record:${p.member}:${stored.id}`,
    details: { type: stored.type, version: stored.version, sd_jwt_sha256: stored.sdJwtSha256 },
  }

  // Not written: the id is taken, or the signing key is no longer usable. A revoked key is trusted
  // for nothing; a retired one still stands behind the identical bytes received before retirement.
  const notWritten = async (): Promise<{ created: boolean; rec: StoredRecord }> => {
    const key = await findKey(db, p.member, stored.signingKid)
    if (!key) throw errors.unknownKey()
    if (key.revokedAt) throw errors.keyRevoked()
    const existing = await findOwnRecord(db, p.member, stored.id)
    if (existing) {
      if (existing.sdJwtSha256 !== stored.sdJwtSha256) throw errors.recordConflict(stored.id)
      return { created: false, rec: existing }
    }
    assertKeyUsable(key, deps.now)
    throw errors.internal()
  }
  // A first version goes through the group-commit writer. A correction checks its lineage first, in
  // a transaction; a concurrent correction of the same version loses on the unique index, and the
  // second pass answers from what committed.
  const attempt = async (): Promise<{ created: boolean; rec: StoredRecord }> => {
    const supersedes = stored.supersedes
    if (!supersedes)
      return (await deps.writer.write({ record: stored, audit, selectors, names })) ? { created: true, rec: stored } : notWritten()
    const created = await db.transaction().execute(async (trx) => {
      if (await findOwnRecord(trx, p.member, stored.id)) return false
      const previous = await findOwnRecord(trx, p.member, supersedes)
      if (!previous) throw errors.invalidEnvelope([{ pointer: '/supersedes', detail: 'names no record of yours' }])
      if (previous.version + 1 !== stored.version || previous.type !== stored.type) {
        throw errors.invalidEnvelope([
          {
            pointer: '/version',
            detail: `a correction of version ${previous.version} (${previous.type}) is version ${previous.version + 1} of the same type`,
          },
        ])
      }
      const correction = await findCorrection(trx, p.member, previous.id)
      if (correction)
        throw errors.invalidEnvelope([
          {
            pointer: '/supersedes',
            detail: `version ${previous.version} is already corrected by ${correction.id}; correct the latest version`,
          },
        ])
      return (await insertRecords(trx, [{ record: stored, audit, selectors, names }])).size === 1
    })
    return created ? { created: true, rec: stored } : notWritten()
  }
  const { created, rec } = await attempt().catch((e: unknown) => {
    if (isUniqueViolation(e)) return attempt()
    throw e
  })
  // Deconfliction after the commit, so two concurrent publishes of one selector still meet (the
  // later of the two steps sees both). Idempotent: a republish finds nothing new.
  if (created) await deps.matcher.matchRecord({ originator: rec.originator, id: rec.id }, deps.now)
  const receipt = signReceipt(deps.receiptKeys, {
    issuer: deps.issuer,
    originator: rec.originator,
    recordId: rec.id,
    version: rec.version,
    sdJwtSha256: rec.sdJwtSha256,
    receivedAt: rec.receivedAt,
  })
  return {
    created,
    receipt,
    record: {
      id: rec.id,
      originator: rec.originator,
      type: rec.type,
      version: rec.version,
      receivedAt: rec.receivedAt.toISOString(),
      sdJwtSha256: rec.sdJwtSha256,
    },
  }
}
