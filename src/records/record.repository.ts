// Storage of signed records and their disclosures (by claim path). Plain functions over db or trx.
import type { Kysely, Selectable, Transaction } from 'kysely'
import type { DB, RecordDisclosuresTable, RecordsTable } from '../db/schema.js'
import type { Marking } from '../policy/markings.js'

type Db = Kysely<DB> | Transaction<DB>

export interface StoredRecord {
  originator: string
  id: string
  type: string
  version: number
  supersedes: string | null
  createdAt: Date
  retainUntil: Date | null
  marking: Marking
  releasableTo: string[]
  originatorControl: boolean
  grading: string
  purposeLimits: string[]
  issuerJwt: string
  signingKid: string
  holderKid: string
  sdJwtSha256: string
  receivedAt: Date
  withdrawnAt: Date | null
}

export interface StoredDisclosure {
  path: string
  ordinal: number
  digest: string
  encoded: string
  field: string
  label: string
  marking: Marking | null
  releasableTo: string[] | null
}

function rowToRecord(r: Selectable<RecordsTable>): StoredRecord {
  return {
    originator: r.originator,
    id: r.id,
    type: r.type,
    version: r.version,
    supersedes: r.supersedes,
    createdAt: r.created_at,
    retainUntil: r.retain_until,
    marking: r.marking as Marking,
    releasableTo: r.releasable_to,
    originatorControl: r.originator_control,
    grading: r.grading,
    purposeLimits: r.purpose_limits,
    issuerJwt: r.issuer_jwt,
    signingKid: r.signing_kid,
    holderKid: r.holder_kid,
    sdJwtSha256: r.sd_jwt_sha256,
    receivedAt: r.received_at,
    withdrawnAt: r.withdrawn_at,
  }
}

const rowToDisclosure = (r: Selectable<RecordDisclosuresTable>): StoredDisclosure => ({
  path: r.path,
  ordinal: r.ordinal,
  digest: r.digest,
  encoded: r.encoded,
  field: r.field,
  label: r.label,
  marking: r.marking as Marking | null,
  releasableTo: r.releasable_to,
})

export async function insertRecord(db: Db, rec: StoredRecord, disclosures: readonly StoredDisclosure[]): Promise<void> {
  await db
    .insertInto('records')
    .values({
      originator: rec.originator,
      id: rec.id,
      type: rec.type,
      version: rec.version,
      supersedes: rec.supersedes,
      created_at: rec.createdAt,
      retain_until: rec.retainUntil,
      marking: rec.marking,
      releasable_to: rec.releasableTo,
      originator_control: rec.originatorControl,
      grading: rec.grading,
      purpose_limits: rec.purposeLimits,
      issuer_jwt: rec.issuerJwt,
      signing_kid: rec.signingKid,
      holder_kid: rec.holderKid,
      sd_jwt_sha256: rec.sdJwtSha256,
      received_at: rec.receivedAt,
    })
    .execute()
  if (disclosures.length === 0) return
  await db
    .insertInto('record_disclosures')
    .values(disclosures.map((d) => ({ originator: rec.originator, record_id: rec.id, path: d.path, ordinal: d.ordinal, digest: d.digest, encoded: d.encoded, field: d.field, label: d.label, marking: d.marking, releasable_to: d.releasableTo })))
    .execute()
}

/** Only the caller's own record: publishing never reveals whether another member holds an id. */
export async function findOwnRecord(db: Db, originator: string, id: string): Promise<StoredRecord | undefined> {
  const row = await db.selectFrom('records').selectAll().where('originator', '=', originator).where('id', '=', id).executeTakeFirst()
  return row && rowToRecord(row)
}

/** Every record with this id, whoever published it; the caller decides which (if any) the reader may see. */
export async function findRecordsById(db: Db, id: string): Promise<StoredRecord[]> {
  const rows = await db.selectFrom('records').selectAll().where('id', '=', id).orderBy('originator').execute()
  return rows.map(rowToRecord)
}

export async function loadDisclosures(db: Db, originator: string, id: string): Promise<StoredDisclosure[]> {
  const rows = await db.selectFrom('record_disclosures').selectAll().where('originator', '=', originator).where('record_id', '=', id).orderBy('ordinal').execute()
  return rows.map(rowToDisclosure)
}
