// Reading the lead index: the records that hold a normalised selector in a field the reader may
// discover (class ids) and that the markings could release to it, newest first, with keyset cursors.
// Everything that decides whether a row counts is in the SQL, so order, pages and counts never
// depend on fields the reader may not discover.
import { type Kysely, sql, type Transaction } from 'kysely'
import type { DB } from '../db/schema.js'
import { prepare } from '../db/prepared.js'
import { CLASS_STATE_COLUMNS, type ClassState, type ClassStateRow, classStateOf } from './selector-class.repository.js'
import {
  GRANTS_OF_RECORD,
  POLICY_VERSION_OF_RECORD,
  type ReadableRecord,
  type RecordRow,
  rowToRecord,
} from '../records/record.repository.js'
import { fieldReleasesSql, indexRowMarkings } from '../policy/visibility.sql.js'

type Db = Kysely<DB> | Transaction<DB>
type SqlRef = ReturnType<typeof sql.ref>

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
const visibleTo = (
  reader: string | SqlRef,
  classes: readonly number[] | SqlRef,
) => sql<boolean>`s.class_id = any(${Array.isArray(classes) ? sql`${classes}::int[]` : classes})
      and ${fieldReleasesSql(indexRowMarkings('s', 'r', 'c'), reader)}`

/** What a search looks in: the hard-selector index (value = normalised selector) or the name index (value = tsquery). */
export type LeadIndexKind = 'selector' | 'name'

export interface LeadSearch {
  /** A normalised selector, or a name tsquery (src/leads/name.normalise.ts). */
  value: string
  reader: string
  /** The reader's discoverable classes under the state the caller assumed. */
  classes: readonly number[]
  filter: LeadFilter
  limit: number
}

/**
 * Several searches in one statement (concurrent searches share a round trip). The statement also
 * reports the class state of its snapshot: a caller that assumed another must search again.
 */
export async function findLeadMatches(
  db: Db,
  index: LeadIndexKind,
  searches: readonly LeadSearch[],
): Promise<{ state: ClassState; results: LeadMatch[][] }> {
  const { rows } = await leadMatchesSql(index, searches).execute(db)
  const results: LeadMatch[][] = searches.map(() => [])
  for (const { n, fields, versions, class_count, ...row } of rows) {
    if (fields) results[n]!.push({ record: rowToRecord(row as RecordRow), fields })
  }
  return { state: classStateOf(rows[0]!), results }
}

/** The statement of findLeadMatches (exported for EXPLAIN). */
export function leadMatchesSql(index: LeadIndexKind, searches: readonly LeadSearch[]) {
  const params = searches.map(({ value, reader, classes, filter: f, limit }, n) => ({
    n,
    value,
    reader,
    classes,
    limit,
    record_type: f.recordType,
    originator: f.originator,
    since: f.since,
    grading: f.grading,
    b_at: f.before?.receivedAt,
    b_originator: f.before?.originator,
    b_id: f.before?.id,
  }))
  // Each search's matches with their records and decision context; a search without any still
  // gives one row (no record), so the state columns always arrive.
  // Both indexes have the row shape visibleTo needs (originator, class, field release list).
  const [from, match, name] =
    index === 'selector'
      ? [sql`record_selectors s`, sql`s.value = q.value`, 'lead-search']
      : [sql`record_names s`, sql`s.lexemes @@ q.value::tsquery`, 'name-search']
  return sql<Partial<RecordRow> & ClassStateRow & { n: number; fields: string[] | null }>`${prepare(name)}
    select q.n, records.*, ${POLICY_VERSION_OF_RECORD} as policy_version, ${GRANTS_OF_RECORD} as grants, m.fields, ${CLASS_STATE_COLUMNS}
    from jsonb_to_recordset(${JSON.stringify(params)}::jsonb) as q(n int, value text, reader text, classes int[], lim int,
      record_type text, originator text, since timestamptz, grading text, b_at timestamptz, b_originator text, b_id uuid)
    left join lateral (
      select s.originator, s.record_id, r.received_at, array_agg(s.field order by s.field) as fields
      from ${from}
      join records r on r.originator = s.originator and r.id = s.record_id
      join selector_classes c on c.id = s.class_id
      where ${match} and ${visibleTo(sql.ref('q.reader'), sql.ref('q.classes'))}
        and (q.record_type is null or r.type = q.record_type)
        and (q.originator is null or s.originator = q.originator)
        and (q.since is null or r.received_at >= q.since)
        and (q.grading is null or r.grading = q.grading)
        and (q.b_at is null or (r.received_at, s.originator, s.record_id) < (q.b_at, q.b_originator, q.b_id))
      group by s.originator, s.record_id, r.received_at
      order by r.received_at desc, s.originator desc, s.record_id desc
      limit q.lim
    ) m on true
    left join records on records.originator = m.originator and records.id = m.record_id
    order by q.n, m.received_at desc, m.originator desc, m.record_id desc`
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

/** The body fields of one record holding any of these (kind, value) selectors (webhook selector filters). */
export async function findSelectorFields(
  db: Db,
  rec: { originator: string; id: string },
  selectors: ReadonlyArray<{ kind: string; value: string }>,
): Promise<string[]> {
  if (selectors.length === 0) return []
  const rows = await db
    .selectFrom('record_selectors')
    .select('field')
    .distinct()
    .where('originator', '=', rec.originator)
    .where('record_id', '=', rec.id)
    .where((eb) => eb.or(selectors.map((s) => eb.and([eb('kind', '=', s.kind), eb('value', '=', s.value)]))))
    .execute()
  return rows.map((r) => r.field)
}
