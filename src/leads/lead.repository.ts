// Reading the lead index: the records that hold a normalised selector in a field the reader may
// discover (class ids) and that the markings could release to it, newest first, with keyset cursors.
// Everything that decides whether a row counts is in the SQL, so order, pages and counts never
// depend on fields the reader may not discover.
import { type Kysely, sql, type Transaction } from 'kysely'
import type { DB } from '../db/schema.js'
import { GRANTS_OF_RECORD, markingReleasesSql, POLICY_VERSION_OF_RECORD, type ReadableRecord, type RecordRow, rowToRecord } from '../records/record.repository.js'

type Db = Kysely<DB> | Transaction<DB>

export interface LeadFilter {
  recordType?: string
  originator?: string
  since?: Date
  grading?: string
  before?: { receivedAt: Date; originator: string; id: string }
}

export interface LeadMatch {
  record: ReadableRecord
  /** The discoverable fields that hold the selector. */
  fields: string[]
}

/**
 * The conditions under which an index row `s` (joined with its record `r` and class `c`) counts for
 * `reader`: a discoverable class, and markings that could release the record and the field.
 */
const visibleTo = (reader: string, classes: readonly number[]) => sql<boolean>`s.class_id = any(${classes as number[]}::int[])
      and (s.originator = ${reader} or (r.withdrawn_at is null
        and ${markingReleasesSql(sql.ref('r.marking'), sql.ref('r.releasable_to'), reader)}
        and ${markingReleasesSql(sql.ref('c.field_marking'), sql`coalesce(s.field_releasable_to, r.releasable_to)`, reader)}))`

export async function findLeadMatches(db: Db, value: string, reader: string, classes: readonly number[], f: LeadFilter, limit: number): Promise<LeadMatch[]> {
  if (classes.length === 0) return []
  const b = f.before
  // The matching records themselves, with their decision context, in the same statement.
  const { rows } = await sql<RecordRow & { fields: string[] }>`
    select records.*, ${POLICY_VERSION_OF_RECORD} as policy_version, ${GRANTS_OF_RECORD} as grants, m.fields
    from (
      select s.originator, s.record_id, r.received_at, array_agg(s.field order by s.field) as fields
      from record_selectors s
      join records r on r.originator = s.originator and r.id = s.record_id
      join selector_classes c on c.id = s.class_id
      where s.value = ${value} and ${visibleTo(reader, classes)}
        ${f.recordType ? sql`and r.type = ${f.recordType}` : sql``}
        ${f.originator ? sql`and s.originator = ${f.originator}` : sql``}
        ${f.since ? sql`and r.received_at >= ${f.since}` : sql``}
        ${f.grading ? sql`and r.grading = ${f.grading}` : sql``}
        ${b ? sql`and (r.received_at, s.originator, s.record_id) < (${b.receivedAt}, ${b.originator}, ${b.id}::uuid)` : sql``}
      group by s.originator, s.record_id, r.received_at
      order by r.received_at desc, s.originator desc, s.record_id desc
      limit ${limit}
    ) m
    join records on records.originator = m.originator and records.id = m.record_id
    order by m.received_at desc, m.originator desc, m.record_id desc`.execute(db)
  return rows.map(({ fields, ...row }) => ({ record: rowToRecord(row), fields }))
}

/** Which of `values` some record holds where `reader` may find it (hit / no-hit, one statement). */
export async function findHitValues(db: Db, values: readonly string[], reader: string, classes: readonly number[]): Promise<Set<string>> {
  if (classes.length === 0 || values.length === 0) return new Set()
  const { rows } = await sql<{ value: string }>`
    select distinct s.value
    from record_selectors s
    join records r on r.originator = s.originator and r.id = s.record_id
    join selector_classes c on c.id = s.class_id
    where s.value = any(${values as string[]}::text[]) and ${visibleTo(reader, classes)}`.execute(db)
  return new Set(rows.map((r) => r.value))
}

/** Adds `n` to today's lookups of `member` if that stays within `limit`; false when it would not. */
export async function consumeLookups(db: Db, member: string, n: number, limit: number, now: Date): Promise<boolean> {
  const day = now.toISOString().slice(0, 10)
  const { rows } = await sql<{ used: number }>`
    insert into lead_lookups (member, day, used) select ${member}, ${day}::date, ${n}::int where ${n}::int <= ${limit}::int
    on conflict (member, day) do update set used = lead_lookups.used + excluded.used
      where lead_lookups.used + excluded.used <= ${limit}::int
    returning used`.execute(db)
  return rows.length === 1
}
