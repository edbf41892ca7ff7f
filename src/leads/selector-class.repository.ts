// Decision classes of the lead index by key, created on first use. Resolved before a record is
// written and committed on their own, so the record's statement only ever refers to existing ids
// (two publishes creating the same class at once both find it afterwards). Ids never change: cached.
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema.js'
import type { FieldContext } from '../policy/cedar.js'

/** A class is the reader-independent part of a decision key. */
export type ClassKey = FieldContext

export interface SelectorClass extends ClassKey {
  id: number
}

type ClassRow = {
  id: number
  originator: string
  record_type: string
  label: string
  field_marking: string
  record_marking: string
  grading: string
}
const fromRow = (r: ClassRow): SelectorClass => ({
  id: r.id,
  originator: r.originator,
  recordType: r.record_type,
  label: r.label,
  fieldMarking: r.field_marking,
  recordMarking: r.record_marking,
  grading: r.grading,
})

/** What a reader's discoverable classes depend on besides the reader: a statement reports it. */
export interface ClassState {
  /** Active policy version per originator (an originator without one is absent). */
  versions: Readonly<Record<string, number>>
  /**
   * How many classes exist. A count, not the newest id: ids are taken before their class commits,
   * so a class can appear with a lower id than one already seen.
   */
  classCount: number
}

export type ClassStateRow = { versions: Record<string, number> | null; class_count: number }

/** Select-list items giving the ClassState of the statement's snapshot. */
export const CLASS_STATE_COLUMNS = sql`(select jsonb_object_agg(originator, version) from member_policies where active) as versions,
  (select count(*)::int from selector_classes) as class_count`

export const classStateOf = (r: ClassStateRow): ClassState => ({ versions: r.versions ?? {}, classCount: Number(r.class_count) })

/** Whether two states are the same (key order of the versions does not matter). */
export function sameClassState(a: ClassState, b: ClassState): boolean {
  const ka = Object.keys(a.versions)
  return a.classCount === b.classCount && ka.length === Object.keys(b.versions).length && ka.every((k) => a.versions[k] === b.versions[k])
}

/** Every class but those with these ids (what a process has not seen yet). */
export async function classesExcept(db: Kysely<DB>, known: readonly number[]): Promise<SelectorClass[]> {
  return (
    await db
      .selectFrom('selector_classes')
      .selectAll()
      .where(sql<boolean>`not (id = any(${known as number[]}::int[]))`)
      .execute()
  ).map(fromRow)
}

const keyOf = (k: ClassKey) => JSON.stringify([k.originator, k.recordType, k.label, k.fieldMarking, k.recordMarking, k.grading])

export interface ClassIds {
  /** The id of each key (in order), creating the classes that do not exist yet. */
  resolve(keys: readonly ClassKey[]): Promise<number[]>
}

export function createClassIds(db: Kysely<DB>): ClassIds {
  const known = new Map<string, number>()
  return {
    async resolve(keys) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const missing = [...new Map(keys.filter((k) => !known.has(keyOf(k))).map((k) => [keyOf(k), k])).values()]
        if (missing.length === 0) break
        const cols = (f: keyof ClassKey) => missing.map((k) => k[f])
        const { rows } = await sql<ClassRow>`
          with wanted as (
            select * from unnest(${cols('originator')}::char(2)[], ${cols('recordType')}::text[], ${cols('label')}::text[], ${cols('fieldMarking')}::text[], ${cols('recordMarking')}::text[], ${cols('grading')}::text[])
              as w(originator, record_type, label, field_marking, record_marking, grading)
          ),
          created as (
            insert into selector_classes (originator, record_type, label, field_marking, record_marking, grading)
            select * from wanted on conflict do nothing returning *
          )
          select * from created
          union all
          select c.* from selector_classes c join wanted w using (originator, record_type, label, field_marking, record_marking, grading)`.execute(
          db,
        )
        // A class another publish is creating right now is not in this statement's snapshot: the
        // insert waited for it, so the next attempt finds it.
        for (const r of rows) known.set(keyOf(fromRow(r)), r.id)
      }
      return keys.map((k) => {
        const id = known.get(keyOf(k))
        if (id === undefined) throw new Error('selector class could not be resolved')
        return id
      })
    },
  }
}
