// Reading stored records: the issuer JWT, the envelope in columns, and the disclosures by claim path
// (records.disclosures, in presentation order). Plain functions over db or trx.
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely'
import { prepare } from '../db/prepared.js'
import type { DB, DisclosureJson, RecordsTable } from '../db/schema.js'
import type { Marking } from '../policy/markings.js'
import { fieldReleasesSql } from '../policy/visibility.sql.js'

type Db = Kysely<DB> | Transaction<DB>

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Ids come from callers (GraphQL ID is any string): one that is not a UUID names nothing. */
export const isUuid = (id: string): boolean => UUID.test(id.toLowerCase())

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
  /** In presentation order, as the originator issued them. */
  disclosures: StoredDisclosure[]
}

/** A record as read: with what its release decision needs, fetched in the same statement. */
export interface ReadableRecord extends StoredRecord {
  /** The originator's active policy version, read with the record: a change applies at once. */
  policyVersion: number | null
  /** Approved consent grants on this record (the overlay; expiry is judged by the reader's clock). */
  grants: RecordGrant[]
}

export interface RecordGrant {
  recipient: string
  fields: string[]
  expiresAt: Date
}

export interface StoredDisclosure {
  path: string
  digest: string
  encoded: string
  field: string
  label: string
  marking: Marking | null
  releasableTo: string[] | null
}

export type RecordRow = Selectable<RecordsTable> & {
  policy_version: number | null
  grants: Array<{ recipient: string; fields: string[]; expiresAt: string }>
}

/** A record's decision context, as expressions over `records` (under that name): see ReadableRecord. */
export const POLICY_VERSION_OF_RECORD = sql<
  number | null
>`(select p.version from member_policies p where p.originator = records.originator and p.active)`
export const GRANTS_OF_RECORD = sql<
  RecordRow['grants']
>`(select coalesce(jsonb_agg(jsonb_build_object('recipient', g.requester, 'fields', g.granted_fields, 'expiresAt', g.expires_at)), '[]'::jsonb)
  from access_requests g where g.originator = records.originator and g.record_id = records.id and g.status = 'approved')`

/** Every read of records goes through here (or selects the two expressions above), so each carries its decision context. */
const recordRows = (db: Db) =>
  db
    .selectFrom('records')
    .selectAll('records')
    .select([POLICY_VERSION_OF_RECORD.as('policy_version'), GRANTS_OF_RECORD.as('grants')])

export function rowToRecord(r: RecordRow): ReadableRecord {
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
    disclosures: r.disclosures.map(fromJson),
    policyVersion: r.policy_version,
    grants: r.grants.map((g) => ({ recipient: g.recipient, fields: g.fields, expiresAt: new Date(g.expiresAt) })),
  }
}

const fromJson = (d: DisclosureJson): StoredDisclosure => ({
  path: d.path,
  digest: d.digest,
  encoded: d.encoded,
  field: d.field,
  label: d.label,
  marking: (d.marking ?? null) as Marking | null,
  releasableTo: d.releasableTo ?? null,
})

/** The jsonb form of records.disclosures (nulls left out). */
export const disclosuresJson = (ds: readonly StoredDisclosure[]): DisclosureJson[] =>
  ds.map((d) => ({
    path: d.path,
    digest: d.digest,
    encoded: d.encoded,
    field: d.field,
    label: d.label,
    ...(d.marking ? { marking: d.marking } : {}),
    ...(d.releasableTo ? { releasableTo: d.releasableTo } : {}),
  }))

/** Only the caller's own record: publishing never reveals whether another member holds an id. */
export async function findOwnRecord(db: Db, originator: string, id: string): Promise<ReadableRecord | undefined> {
  if (!isUuid(id)) return undefined
  const row = await recordRows(db).where('originator', '=', originator).where('id', '=', id).executeTakeFirst()
  return row && rowToRecord(row)
}

/** A record's address: records are identified by originator and id together, everywhere. */
export interface RecordRef {
  originator: string
  id: string
}

const MEMBER_CODE = /^[A-Z]{2}$/

/** A reference as callers give it (any strings), or undefined where it cannot name a record. */
export const recordRef = (originator: string, id: string): RecordRef | undefined =>
  MEMBER_CODE.test(originator) && isUuid(id) ? { originator, id: id.toLowerCase() } : undefined

export const refKey = (r: RecordRef): string => `${r.originator}:${r.id}`

/** The records with these references (a loader's batch), in no particular order. */
export async function findRecordsByRefs(db: Db, refs: readonly RecordRef[]): Promise<ReadableRecord[]> {
  const valid = [
    ...new Map(
      refs.flatMap((r) => {
        const v = recordRef(r.originator, r.id)
        return v ? [[refKey(v), v] as const] : []
      }),
    ).values(),
  ]
  if (valid.length === 0) return []
  const rows = await recordRows(db)
    .modifyFront(prepare('records-by-ref'))
    .where(
      sql<boolean>`(originator, id) in (select * from unnest(${valid.map((r) => r.originator)}::char(2)[], ${valid.map((r) => r.id)}::uuid[]))`,
    )
    .execute()
  return rows.map(rowToRecord)
}

export async function markWithdrawn(db: Db, originator: string, id: string, at: Date): Promise<void> {
  await db.updateTable('records').set({ withdrawn_at: at }).where('originator', '=', originator).where('id', '=', id).execute()
}

/** The version that corrects `id`, if any (at most one: unique on (originator, supersedes)). */
export async function findCorrection(db: Db, originator: string, id: string): Promise<ReadableRecord | undefined> {
  const row = await recordRows(db).where('originator', '=', originator).where('supersedes', '=', id).executeTakeFirst()
  return row && rowToRecord(row)
}

/** Every version in the lineage of `id` (same originator), oldest first, walked through the keys. */
export async function findLineage(db: Db, originator: string, id: string): Promise<ReadableRecord[]> {
  const start = await findOwnRecord(db, originator, id)
  if (!start) return []
  const lineage = [start]
  for (let cur = start; cur.supersedes; ) {
    const prev = await findOwnRecord(db, originator, cur.supersedes)
    if (!prev) break
    lineage.unshift(prev)
    cur = prev
  }
  for (let next = await findCorrection(db, originator, start.id); next; next = await findCorrection(db, originator, next.id))
    lineage.push(next)
  return lineage
}

/** PostgreSQL unique_violation: a concurrent insert of the same key committed first. */
export const isUniqueViolation = (e: unknown): boolean => (e as { code?: unknown })?.code === '23505'

/** The record-level marking rule for `records` (no field in view): what a list may even consider. */
const recordReleasesSql = (reader: string) =>
  fieldReleasesSql(
    {
      originator: sql.ref('records.originator'),
      recordMarking: sql.ref('records.marking'),
      recordList: sql.ref('records.releasable_to'),
      withdrawnAt: sql.ref('records.withdrawn_at'),
      fieldMarking: sql`null::text`,
      fieldList: sql`null::text[]`,
    },
    reader,
  )

export interface ListFilter {
  type?: string
  originator?: string
  since?: Date
  /** Keyset cursor: strictly older than (receivedAt, originator, id). */
  before?: { receivedAt: Date; originator: string; id: string }
}

/**
 * Records newest first that the marking rules could release to `reader`. This SQL pre-filter only
 * narrows the scan; decide() is still applied to every row before anything is presented.
 */
export async function listCandidateRecords(db: Db, reader: string, f: ListFilter, limit: number): Promise<ReadableRecord[]> {
  let q = recordRows(db).where(recordReleasesSql(reader))
  if (f.type) q = q.where('type', '=', f.type)
  if (f.originator) q = q.where('originator', '=', f.originator)
  if (f.since) q = q.where('received_at', '>=', f.since)
  if (f.before) {
    const b = f.before
    q = q.where(sql<boolean>`(received_at, originator, id) < (${b.receivedAt}, ${b.originator}, ${b.id}::uuid)`)
  }
  const rows = await q.orderBy('received_at', 'desc').orderBy('originator', 'desc').orderBy('id', 'desc').limit(limit).execute()
  return rows.map(rowToRecord)
}
