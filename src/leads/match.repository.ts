// Deconfliction matches in SQL: computing them for newly committed records and listing a member's own.
// A pair of fields sharing a hard selector is a match only while BOTH originators' policies permit
// it (`deconflict`, as class ids per member) and both fields' markings release to the other member
// (policy/visibility.sql.ts): a withdrawn record, a RED or AMBER+STRICT field outside its release
// list, or a policy that forbids it never matches, raises no event and is never listed.
import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely'
import type { DB } from '../db/schema.js'
import { fieldReleasesSql, indexRowMarkings } from '../policy/visibility.sql.js'
import { CLASS_STATE_COLUMNS, type ClassState, type ClassStateRow, classStateOf } from './selector-class.repository.js'

type Db = Kysely<DB> | Transaction<DB>

/** Per member, the class ids (of other originators) whose policies permit deconfliction with it. */
export type DeconflictAllowed = ReadonlyArray<{ member: string; classIds: readonly number[] }>

export interface NewMatch {
  id: string
  kind: string
  aOriginator: string
  aRecord: string
  bOriginator: string
  bRecord: string
}

/** The allowed table as a CTE body: (member, class_id) rows. */
const allowedRows = (allowed: DeconflictAllowed) => {
  const pairs = allowed.flatMap((a) => a.classIds.map((id) => [a.member, id] as const))
  return sql`select * from unnest(${pairs.map((p) => p[0])}::text[], ${pairs.map((p) => p[1])}::int[]) as a(member, class_id)`
}

/** Both directions permitted: each side's field by its originator's policy toward the other member, and by the markings. */
const permitted = (a: { s: string; r: string; c: string }, b: { s: string; r: string; c: string }): RawBuilder<boolean> => sql<boolean>`(
  ${fieldReleasesSql(indexRowMarkings(a.s, a.r, a.c), sql`${sql.ref(`${b.s}.originator`)}::text`)}
  and ${fieldReleasesSql(indexRowMarkings(b.s, b.r, b.c), sql`${sql.ref(`${a.s}.originator`)}::text`)}
  and exists (select 1 from allowed x where x.member = ${sql.ref(`${b.s}.originator`)}::text and x.class_id = ${sql.ref(`${a.s}.class_id`)})
  and exists (select 1 from allowed x where x.member = ${sql.ref(`${a.s}.originator`)}::text and x.class_id = ${sql.ref(`${b.s}.class_id`)}))`

/**
 * Pairs each selector of these records with other members' records holding it, where permitted;
 * new pairs only, each with a 'match.found' event for both originators, in one statement. The
 * allowed classes were computed for `assumed`; the statement inserts nothing unless its snapshot is
 * in that state, and reports the state it saw (the caller retries under it).
 */
export async function insertMatches(
  db: Db,
  records: ReadonlyArray<{ originator: string; id: string }>,
  now: Date,
  allowed: DeconflictAllowed,
  assumed: ClassState,
): Promise<{ state: ClassState; inserted: NewMatch[] }> {
  const { rows } = await sql<
    ClassStateRow & { id: string | null; kind: string; a_originator: string; a_record: string; b_originator: string; b_record: string }
  >`
    with allowed as (${allowedRows(allowed)}),
    state as (select ${CLASS_STATE_COLUMNS}),
    fresh as (
      select s.*, (select coalesce(versions, '{}'::jsonb) = ${JSON.stringify(assumed.versions)}::jsonb and class_count = ${assumed.classCount}::int from state) as current
      from record_selectors s
      where (s.originator, s.record_id) in (select * from unnest(${records.map((r) => r.originator)}::char(2)[], ${records.map((r) => r.id)}::uuid[]))
    ),
    pairs as (
      select n.kind, n.value, n.originator as no, n.record_id as nr, n.field as nf, o.originator as oo, o.record_id as orr, o.field as ofd
      from fresh n
      join records nrec on nrec.originator = n.originator and nrec.id = n.record_id
      join selector_classes nc on nc.id = n.class_id
      -- member by member (offset 0 keeps it a parameterised index look-up on (value, originator)), so a
      -- value the publishing member holds in many records costs nothing here
      cross join lateral unnest(array_remove((select array_agg(code::text) from members), n.originator::text)) as m(code)
      cross join lateral (select * from record_selectors o where o.value = n.value and o.originator = m.code::char(2) offset 0) o
      join records orec on orec.originator = o.originator and orec.id = o.record_id
      join selector_classes oc on oc.id = o.class_id
      where n.current and ${permitted({ s: 'n', r: 'nrec', c: 'nc' }, { s: 'o', r: 'orec', c: 'oc' })}
    ),
    ins as (
      insert into selector_matches (id, kind, value, a_originator, a_record, a_field, b_originator, b_record, b_field, created_at)
      select gen_random_uuid(), kind, value,
        case when (no, nr) < (oo, orr) then no else oo end, case when (no, nr) < (oo, orr) then nr else orr end, case when (no, nr) < (oo, orr) then nf else ofd end,
        case when (no, nr) < (oo, orr) then oo else no end, case when (no, nr) < (oo, orr) then orr else nr end, case when (no, nr) < (oo, orr) then ofd else nf end,
        ${now}
      from pairs
      on conflict do nothing
      returning id, kind, a_originator, a_record, b_originator, b_record
    ),
    ev as (
      -- References only: the match id, the kind, the member's own record and the other member (what
      -- GET /v1/matches shows every side of a permitted match). Never the value or the other record.
      insert into events (member, type, subject, data, created_at)
      select side.member, 'match.found', 'match:' || ins.id,
        jsonb_build_object('matchId', ins.id, 'kind', ins.kind, 'record', jsonb_build_object('originator', side.member, 'id', side.record), 'other', jsonb_build_object('originator', side.other)), ${now}
      from ins cross join lateral (values (ins.a_originator, ins.a_record, ins.b_originator), (ins.b_originator, ins.b_record, ins.a_originator)) as side(member, record, other)
    )
    select state.*, ins.* from state left join ins on true`.execute(db)
  const inserted = rows
    .filter((r) => r.id !== null)
    .map((r) => ({
      id: r.id!,
      kind: r.kind,
      aOriginator: r.a_originator,
      aRecord: r.a_record,
      bOriginator: r.b_originator,
      bRecord: r.b_record,
    }))
  return { state: classStateOf(rows[0]!), inserted }
}

export interface MatchRow {
  id: string
  kind: string
  value: string
  createdAt: Date
  mine: { record: string; field: string }
  other: { originator: string; record: string; field: string }
  /** May the member discover the other side's field (policy and markings, now), or did the other side accept the member's contact request? */
  visible: boolean
}

/**
 * The member's matches that are permitted now, newest first (or the one with `id`). A match whose
 * record was withdrawn, or that either originator's policy or markings no longer permit, is gone for
 * both sides. `discoverable`: the member's discoverable class ids (to show the other record and field).
 */
export async function listMatches(
  db: Db,
  member: string,
  discoverable: readonly number[],
  allowed: DeconflictAllowed,
  limit: number,
  id?: string,
): Promise<{ state: ClassState; rows: MatchRow[] }> {
  const { rows } = await sql<
    ClassStateRow & {
      id: string | null
      kind: string
      value: string
      created_at: Date
      my_record: string
      my_field: string
      other_originator: string
      other_record: string
      other_field: string
      visible: boolean
    }
  >`
    with allowed as (${allowedRows(allowed)}),
    state as (select ${CLASS_STATE_COLUMNS}),
    found as (
    select m.id, m.kind, m.value, m.created_at, x.my_record, x.my_field, x.other_originator, x.other_record, x.other_field,
      (s.class_id = any(${discoverable as number[]}::int[])
        or exists (select 1 from match_contacts k where k.match_id = m.id and k.requester = ${member} and k.status = 'accepted')) as visible
    from selector_matches m
    cross join lateral (select
        case when m.a_originator = ${member} then m.a_record else m.b_record end as my_record,
        case when m.a_originator = ${member} then m.a_field else m.b_field end as my_field,
        case when m.a_originator = ${member} then m.b_originator else m.a_originator end as other_originator,
        case when m.a_originator = ${member} then m.b_record else m.a_record end as other_record,
        case when m.a_originator = ${member} then m.b_field else m.a_field end as other_field) x
    join record_selectors ms on ms.originator = ${member} and ms.record_id = x.my_record and ms.field = x.my_field and ms.value = m.value
    join records mr on mr.originator = ms.originator and mr.id = ms.record_id
    join selector_classes mc on mc.id = ms.class_id
    join record_selectors s on s.originator = x.other_originator and s.record_id = x.other_record and s.field = x.other_field and s.value = m.value
    join records r on r.originator = s.originator and r.id = s.record_id
    join selector_classes c on c.id = s.class_id
    where (m.a_originator = ${member} or m.b_originator = ${member})
      and ${permitted({ s: 'ms', r: 'mr', c: 'mc' }, { s: 's', r: 'r', c: 'c' })}
      ${id ? sql`and m.id = ${id}::uuid` : sql``}
    order by m.created_at desc, m.id
    limit ${limit})
    -- The snapshot's class state comes with the rows (one row of it alone when there are none).
    select state.*, found.* from state left join found on true order by found.created_at desc, found.id`.execute(db)
  const found = rows.filter((r) => r.id !== null)
  return {
    state: classStateOf(rows[0]!),
    rows: found.map((r) => ({
      id: r.id!,
      kind: r.kind,
      value: r.value,
      createdAt: r.created_at,
      mine: { record: r.my_record, field: r.my_field },
      other: { originator: r.other_originator, record: r.other_record, field: r.other_field },
      visible: r.visible,
    })),
  }
}
