// Decision classes of the lead index, and which of them a reader may discover. A class is everything
// a discover decision depends on besides the reader (originator, record type, label, markings,
// grading), so "may this reader find a record by this field" is a set of class ids, used in SQL.
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema.js'
import { tickBatcher } from '../db/tick-batcher.js'
import type { DecisionKey } from '../policy/cedar.js'
import type { PolicyCache } from '../policy/policy.cache.js'
import type { Reader } from '../policy/decide.js'

interface SelectorClass {
  id: number
  originator: string
  recordType: string
  label: string
  fieldMarking: string
  recordMarking: string
  grading: string
}

export interface SelectorClasses {
  /** Class ids whose fields `reader` may discover under each originator's active policy now. */
  discoverable(reader: Reader): Promise<number[]>
}

export function createSelectorClasses(db: Kysely<DB>, policies: PolicyCache): SelectorClasses {
  let known: SelectorClass[] = []
  let maxId = 0
  // One round trip per turn of the event loop, shared by the lookups in it: the active versions (a
  // policy change applies at once) and whether new classes exist.
  const state = tickBatcher(async (items: readonly null[]) => {
    const { rows } = await sql<{ versions: Record<string, number> | null; max_id: number }>`
      select (select jsonb_object_agg(originator, version) from member_policies where active) as versions,
             (select coalesce(max(id), 0) from selector_classes) as max_id`.execute(db)
    return items.map(() => rows[0]!)
  }, { max: 1024 })
  return {
    async discoverable(reader) {
      const { versions, max_id } = await state.push(null)
      if (max_id > maxId) {
        const fresh = await db.selectFrom('selector_classes').selectAll().where('id', '>', maxId).orderBy('id').execute()
        known = [...known, ...fresh.map((c) => ({ id: c.id, originator: c.originator, recordType: c.record_type, label: c.label, fieldMarking: c.field_marking, recordMarking: c.record_marking, grading: c.grading }))]
        maxId = Math.max(maxId, ...fresh.map((c) => c.id))
      }
      const active = Object.entries(versions ?? {}).map(([originator, policyVersion]) => ({ originator, policyVersion }))
      await policies.ensure(active)
      const allowed: number[] = []
      for (const c of known) {
        if (c.originator === reader.member) {
          allowed.push(c.id)
          continue
        }
        const version = versions?.[c.originator]
        const policy = version === undefined ? undefined : policies.policy(c.originator, version)
        if (!policy) continue // no active policy: nothing is discoverable (deny by default)
        const key: DecisionKey = { action: 'discover', recipient: reader.member, roles: reader.roles, purpose: reader.purpose, originator: c.originator, recordType: c.recordType, label: c.label, fieldMarking: c.fieldMarking, recordMarking: c.recordMarking, grading: c.grading }
        // Only `discover` makes a field findable: whatever it matches, decide() then shows at least as a hit.
        if (policies.decide(policy, key).allow) allowed.push(c.id)
      }
      return allowed
    },
  }
}
