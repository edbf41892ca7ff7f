// Publishing and reading signed records. Publish verifies once on arrival and stores the issuer JWT
// and each disclosure by path, in one transaction with its audit record; read decides, presents
// through the disclosure choke point, and audits exactly what was released to whom.
import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import type { GatewayKeys } from '../auth/gateway-keys.js'
import type { Principal } from '../auth/principal.js'
import { appendAudit } from '../audit/audit.repository.js'
import { type Presentation, present } from '../disclosure/present.js'
import { errors } from '../errors.js'
import { assertKeyUsable } from '../members/jwks.js'
import { findKey } from '../members/key.repository.js'
import { listMembers } from '../members/member.repository.js'
import { decide, type RecordMeta } from '../policy/decide.js'
import { parseRecordClaims } from './envelope.js'
import { signReceipt } from './receipt.js'
import { RECORD_TYP } from './record.model.js'
import { findCorrection, findOwnRecord, findRecordsById, insertRecord, isUniqueViolation, loadDisclosures, type StoredDisclosure, type StoredRecord } from './record.repository.js'
import type { RecordTypes } from './record-types.js'
import { verifySdJwt } from './sd-jwt-signing.js'

export interface RecordDeps {
  types: RecordTypes
  keys: GatewayKeys
  issuer: string
  maxRecordBytes: number
  now: Date
}

export interface PublishResult {
  created: boolean
  receipt: string
  record: { id: string; originator: string; type: string; version: number; receivedAt: string; sdJwtSha256: string }
}

const unescape = (segment: string) => segment.replace(/~1/g, '/').replace(/~0/g, '~')

/**
 * The body field a disclosure belongs to. Only the type's frame is accepted: a body field, or an
 * element of an array the schema discloses element by element. Anything else (a nested property
 * made disclosable) would be stored but never presented coherently, so it is refused at publish.
 */
function fieldOf(path: string, type: string, types: RecordTypes): string {
  const m = /^\/body\/([^/]+)(?:\/value\/(\d+))?$/.exec(path)
  const field = m ? unescape(m[1]!) : ''
  if (!m || (m[2] !== undefined && !types.disclosesItems(type, field))) {
    throw errors.invalidEnvelope([{ pointer: path, detail: "only body fields, and array elements where the type's schema says so, may be selectively disclosable" }])
  }
  return field
}

/**
 * Verifies the issuer signature with the caller's own registered key (usable at receipt time), the
 * digests and disclosures, the envelope and body schema, and that cnf names the gateway's
 * key-binding key. Identical bytes under an existing id return the stored record; different bytes
 * are a conflict. Only the caller's own records are consulted.
 */
export async function publishRecord(db: Kysely<DB>, deps: RecordDeps, p: Principal, sdJwt: string): Promise<PublishResult> {
  if (Buffer.byteLength(sdJwt, 'utf8') > deps.maxRecordBytes) throw errors.recordTooLarge(deps.maxRecordBytes)
  const verified = await verifySdJwt(sdJwt, {
    typ: RECORD_TYP,
    issuerKey: async (header, payload) => {
      if (payload.iss !== p.member) throw errors.wrongIssuer('iss must be the authenticated member')
      const key = typeof header.kid === 'string' ? await findKey(db, p.member, header.kid) : undefined
      if (!key) throw errors.unknownKey()
      assertKeyUsable(key, deps.now)
      return { key: key.publicJwk, alg: key.alg }
    },
  })
  const payloadBody = verified.payload.body as Record<string, unknown> | undefined
  const clearFields = Object.keys(payloadBody ?? {}).filter((k) => k !== '_sd')
  if (clearFields.length) throw errors.invalidEnvelope(clearFields.map((f) => ({ pointer: `/body/${f}`, detail: 'every body field must be selectively disclosable' })))
  const cnf = (verified.payload.cnf as { jwk?: { x?: string; y?: string } } | undefined)?.jwk
  const holder = deps.keys.receipt.all.find((k) => k.publicJwk.x === cnf?.x && k.publicJwk.y === cnf?.y)
  if (!holder) throw errors.invalidHolderKey()

  const members = new Set((await listMembers(db)).map((m) => m.code))
  const { envelope, fields } = parseRecordClaims(verified.claims, members, deps.types)
  const sdJwtSha256 = createHash('sha256').update(sdJwt).digest('base64url')
  const stored: StoredRecord = {
    ...envelope,
    createdAt: new Date(envelope.createdAt),
    retainUntil: envelope.retainUntil ? new Date(envelope.retainUntil) : null,
    originatorControl: envelope.handling.originatorControl,
    issuerJwt: sdJwt.split('~')[0]!,
    signingKid: String(verified.header.kid),
    holderKid: holder.kid,
    sdJwtSha256,
    receivedAt: deps.now,
    withdrawnAt: null,
  }
  const disclosures: StoredDisclosure[] = verified.disclosures.map((d, ordinal) => {
    const field = fieldOf(d.path, envelope.type, deps.types)
    return { path: d.path, ordinal, digest: d.digest, encoded: d.encoded, field, label: deps.types.label(envelope.type, field), marking: fields[field]?.marking ?? null, releasableTo: fields[field]?.releasableTo ?? null }
  })

  const attempt = () => db.transaction().execute(async (trx) => {
    const existing = await findOwnRecord(trx, p.member, envelope.id)
    if (existing) {
      if (existing.sdJwtSha256 !== sdJwtSha256) throw errors.recordConflict(envelope.id)
      return { created: false, rec: existing }
    }
    if (envelope.supersedes) {
      const previous = await findOwnRecord(trx, p.member, envelope.supersedes)
      if (!previous) throw errors.invalidEnvelope([{ pointer: '/supersedes', detail: 'names no record of yours' }])
      if (previous.version + 1 !== envelope.version || previous.type !== envelope.type) {
        throw errors.invalidEnvelope([{ pointer: '/version', detail: `a correction of version ${previous.version} (${previous.type}) is version ${previous.version + 1} of the same type` }])
      }
      const correction = await findCorrection(trx, p.member, previous.id)
      if (correction) throw errors.invalidEnvelope([{ pointer: '/supersedes', detail: `version ${previous.version} is already corrected by ${correction.id}; correct the latest version` }])
    }
    await insertRecord(trx, stored, disclosures)
    await appendAudit(trx, { at: deps.now, actor: { kind: 'member', member: p.member, actor: p.actor }, action: 'record.published', subject: `record:${p.member}:${envelope.id}`, details: { type: envelope.type, version: envelope.version, sd_jwt_sha256: sdJwtSha256 } })
    return { created: true, rec: stored }
  })
  // A concurrent publish of the same id (or correction of the same version) may commit between our
  // check and insert; the unique index refuses ours, and a second pass answers from what committed.
  const outcome = await attempt().catch((e: unknown) => {
    if (isUniqueViolation(e)) return attempt()
    throw e
  })
  const rec = outcome.rec
  const receipt = signReceipt(deps.keys.receipt, { issuer: deps.issuer, originator: rec.originator, recordId: rec.id, version: rec.version, sdJwtSha256: rec.sdJwtSha256, receivedAt: rec.receivedAt })
  return {
    created: outcome.created,
    receipt,
    record: { id: rec.id, originator: rec.originator, type: rec.type, version: rec.version, receivedAt: rec.receivedAt.toISOString(), sdJwtSha256: rec.sdJwtSha256 },
  }
}

export function recordMeta(rec: StoredRecord, disclosures: readonly StoredDisclosure[]): RecordMeta {
  const fields = new Map<string, RecordMeta['fields'][number]>()
  for (const d of disclosures) if (!fields.has(d.field)) fields.set(d.field, { field: d.field, label: d.label, marking: d.marking, releasableTo: d.releasableTo })
  return { originator: rec.originator, type: rec.type, marking: rec.marking, releasableTo: rec.releasableTo, withdrawn: rec.withdrawnAt !== null, fields: [...fields.values()] }
}

/**
 * A record the reader may not see is answered exactly like a record that does not exist. What is
 * released is audited with the paths disclosed, before the response leaves.
 */
export async function readRecord(db: Kysely<DB>, deps: RecordDeps, p: Principal, id: string): Promise<Presentation> {
  const candidates = (await findRecordsById(db, id)).sort((a, b) => Number(b.originator === p.member) - Number(a.originator === p.member))
  for (const rec of candidates) {
    const stored = await loadDisclosures(db, rec.originator, rec.id)
    const decision = decide(p, recordMeta(rec, stored))
    if (decision.visibility !== 'disclose') continue
    const kbKey = deps.keys.receipt.byKid(rec.holderKid)
    if (!kbKey) throw errors.internal()
    const presentation = await present(rec, stored, decision, p.member, kbKey, deps.now)
    await appendAudit(db, { at: deps.now, actor: { kind: 'member', member: p.member, actor: p.actor }, action: 'record.read', subject: `record:${rec.originator}:${rec.id}`, details: { disclosed: presentation.disclosedPaths, purpose: p.purpose } })
    return presentation
  }
  throw errors.recordNotFound()
}
