// Decision classes of the lead index, and which of them a reader may discover. A class is everything
// a discover decision depends on besides the reader (originator, record type, label, markings,
// grading), so "may this reader find a record by this field" is a set of class ids, used in SQL.
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema.js'
import { tickBatcher } from '../db/tick-batcher.js'
import type { DecisionKey } from '../policy/cedar.js'
import type { PolicyCache } from '../policy/policy.cache.js'
import type { Reader } from '../policy/decide.js'
import { classesAfter, type SelectorClass } from './selector-class.repository.js'

export interface SelectorClasses {
  /** Class ids whose fields `reader` may discover under each originator's active policy now. */
  discoverable(reader: Reader): Promise<number[]>
}

export function createSelectorClasses(db: Kysely<DB>, policies: PolicyCache): SelectorClasses {
  const known = new Map<number, SelectorClass>()
  let maxId = 0
  // The allowed set per reader profile, policy versions and class count: a search computes it once,
  // not one decision per class per search. Bounded; forgotten whole when it fills.
  const allowedSets = new Map<string, number[]>()
  // One round trip per turn of the event loop, shared by the lookups in it: the active versions (a
  // policy change applies at once) and whether new classes exist.
  const state = tickBatcher(async (items: readonly null[]) => {
    const { rows } = await sql<{ versions: Record<string, number> | null; max_id: number }>`
      select (select jsonb_object_agg(originator, version) from member_policies where active) as versions,
             (select coalesce(max(id), 0) from selector_classes) as max_id`.execute(db)
    return items.map(() => rows[0]!)
  }, { max: 1024 })

  function allowedFor(reader: Reader, versions: Record<string, number>): number[] {
    const allowed: number[] = []
    for (const c of known.values()) {
      if (c.originator === reader.member) {
        allowed.push(c.id)
        continue
      }
      const version = versions[c.originator]
      const policy = version === undefined ? undefined : policies.policy(c.originator, version)
      if (!policy) continue // no active policy: nothing is discoverable (deny by default)
      const key: DecisionKey = { action: 'discover', recipient: reader.member, roles: reader.roles, purpose: reader.purpose, originator: c.originator, recordType: c.recordType, label: c.label, fieldMarking: c.fieldMarking, recordMarking: c.recordMarking, grading: c.grading }
      // Only `discover` makes a field findable: whatever it matches, decide() then shows at least as a hit.
      if (policies.decide(policy, key).allow) allowed.push(c.id)
    }
    return allowed
  }

  return {
    async discoverable(reader) {
      const { versions, max_id } = await state.push(null)
      if (max_id > maxId) {
        // Concurrent callers may fetch the same classes: keyed by id, they are held once.
        for (const c of await classesAfter(db, maxId)) known.set(c.id, c)
        maxId = Math.max(maxId, ...known.keys())
      }
      const active = versions ?? {}
      await policies.ensure(Object.entries(active).map(([originator, policyVersion]) => ({ originator, policyVersion })))
      const memo = JSON.stringify([reader.member, [...reader.roles].sort(), reader.purpose, active, known.size])
      let allowed = allowedSets.get(memo)
      if (!allowed) {
        if (allowedSets.size >= 1000) allowedSets.clear()
        allowed = allowedFor(reader, active)
        allowedSets.set(memo, allowed)
      }
      return allowed
    },
  }
}
