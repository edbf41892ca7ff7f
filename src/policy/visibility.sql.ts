// The marking rules of markings.ts as SQL, for statements that must decide inside the database which
// rows exist for a reader (search, lookup, lists, matches): order, pages and counts then never depend
// on what the reader may not receive. One owner with markings.ts; test/unit/visibility-sql.test.ts
// runs both over every combination and requires the same answer.
import { type RawBuilder, sql } from 'kysely'

export type SqlExpr = RawBuilder<unknown> | ReturnType<typeof sql.ref>

/** markingReleases() for a reader other than the originator. `reader` is a member code or an expression giving one. */
export function markingReleasesSql(marking: SqlExpr, list: SqlExpr, reader: string | SqlExpr): RawBuilder<boolean> {
  return sql<boolean>`(${marking} in ('CLEAR', 'GREEN')
    or (${marking} = 'AMBER' and (cardinality(${list}) = 0 or 'ALL' = any(${list}) or ${reader} = any(${list})))
    or (${marking} = 'AMBER+STRICT' and ('ALL' = any(${list}) or ${reader} = any(${list})))
    or (${marking} = 'RED' and ${reader} = any(${list})))`
}

/** Where a row's record and field markings are, as expressions (a field's may be null: the record's apply). */
export interface MarkingColumns {
  originator: SqlExpr
  recordMarking: SqlExpr
  recordList: SqlExpr
  withdrawnAt: SqlExpr
  fieldMarking: SqlExpr
  fieldList: SqlExpr
}

/** fieldReleases() in SQL: the originator always; anyone else only from a live record whose marking and field marking both release to it. */
export function fieldReleasesSql(c: MarkingColumns, reader: string | SqlExpr): RawBuilder<boolean> {
  return sql<boolean>`(${c.originator} = ${reader} or (${c.withdrawnAt} is null
    and ${markingReleasesSql(c.recordMarking, c.recordList, reader)}
    and ${markingReleasesSql(sql`coalesce(${c.fieldMarking}, ${c.recordMarking})`, sql`coalesce(${c.fieldList}, ${c.recordList})`, reader)}))`
}

/**
 * The columns of an index row `s` (record_selectors or record_names) joined with its record `r` and
 * its decision class `c`, whose field_marking is the field's effective marking.
 */
export const indexRowMarkings = (s: string, r: string, c: string): MarkingColumns => ({
  originator: sql.ref(`${s}.originator`),
  recordMarking: sql.ref(`${r}.marking`),
  recordList: sql.ref(`${r}.releasable_to`),
  withdrawnAt: sql.ref(`${r}.withdrawn_at`),
  fieldMarking: sql.ref(`${c}.field_marking`),
  fieldList: sql.ref(`${s}.field_releasable_to`),
})
