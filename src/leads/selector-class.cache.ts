// Decision classes of the lead index, and which of them a reader may discover. A class is everything
// a discover decision depends on besides the reader (originator, record type, label, markings,
// grading), so "may this reader find a record by this field" is a set of class ids, used in SQL.
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema.js'
import { type ObserveBatcher, tickBatcher } from '../db/tick-batcher.js'
import type { DecisionKey } from '../policy/cedar.js'
import type { PolicyCache } from '../policy/policy.cache.js'
import type { Reader } from '../policy/decide.js'
import {
  CLASS_STATE_COLUMNS,
  type ClassState,
  type ClassStateRow,
  classesExcept,
  classStateOf,
  type SelectorClass,
} from './selector-class.repository.js'

export interface SelectorClasses {
  /** Class ids whose fields `reader` may discover under each originator's active policy now. */
  discoverable(reader: Reader): Promise<number[]>
  /** The same under the given state (active policy versions and number of classes). */
  discoverableAt(reader: Reader, state: ClassState): Promise<number[]>
  /**
   * Class ids of other originators whose policies let a hard identifier in them be matched with
   * `member`'s records (action deconflict, principal = member, no roles, no purpose), under `state`.
   */
  deconflictableAt(member: string, state: ClassState): Promise<number[]>
  /** The state a statement last reported (see observe), else read now. */
  current(): Promise<ClassState>
  /** A statement that filtered by class ids reports the state it ran in, for the next to assume. */
  observe(state: ClassState): void
}

export function createSelectorClasses(db: Kysely<DB>, policies: PolicyCache, observe?: ObserveBatcher): SelectorClasses {
  const known = new Map<number, SelectorClass>()
  let last: ClassState | undefined
  // The allowed set per reader profile, policy versions and class count: a search computes it once,
  // not one decision per class per search. Bounded; forgotten whole when it fills.
  const allowedSets = new Map<string, number[]>()
  // One round trip per turn of the event loop, shared by the lookups in it.
  const state = tickBatcher(
    async (items: readonly null[]) => {
      const { rows } = await sql<ClassStateRow>`select ${CLASS_STATE_COLUMNS}`.execute(db)
      return items.map(() => classStateOf(rows[0]!))
    },
    { max: 1024, observe: observe?.('selector-class-state') },
  )

  function allowedFor(action: 'discover' | 'deconflict', reader: Reader, versions: Readonly<Record<string, number>>): number[] {
    const allowed: number[] = []
    for (const c of known.values()) {
      if (c.originator === reader.member) {
        // One's own classes are always discoverable; a member is never deconflicted with itself.
        if (action === 'discover') allowed.push(c.id)
        continue
      }
      const version = versions[c.originator]
      const policy = version === undefined ? undefined : policies.policy(c.originator, version)
      if (!policy) continue // no active policy: nothing is discoverable (deny by default)
      const key: DecisionKey = {
        action,
        recipient: reader.member,
        roles: reader.roles,
        purpose: reader.purpose,
        originator: c.originator,
        recordType: c.recordType,
        label: c.label,
        fieldMarking: c.fieldMarking,
        recordMarking: c.recordMarking,
        grading: c.grading,
      }
      // Only `discover` makes a field findable: whatever it matches, decide() then shows at least as a hit.
      // Only `deconflict` (asked of both originators) lets it be matched with another member's record.
      if (policies.decide(policy, key).allow) allowed.push(c.id)
    }
    return allowed
  }

  async function allowedAt(action: 'discover' | 'deconflict', reader: Reader, st: ClassState): Promise<number[]> {
    if (known.size < st.classCount) {
      // Concurrent callers may fetch the same classes: keyed by id, they are held once.
      for (const c of await classesExcept(db, [...known.keys()])) known.set(c.id, c)
    }
    await policies.ensure(Object.entries(st.versions).map(([originator, policyVersion]) => ({ originator, policyVersion })))
    // Classes only ever get added, so the number held identifies the set the answer was computed over.
    // (A class newer than the state matches no row of the state's snapshot: including it is harmless.)
    const memo = JSON.stringify([action, reader.member, [...reader.roles].sort(), reader.purpose, st.versions, known.size])
    let allowed = allowedSets.get(memo)
    if (!allowed) {
      if (allowedSets.size >= 1000) allowedSets.clear()
      allowed = allowedFor(action, reader, st.versions)
      allowedSets.set(memo, allowed)
    }
    return allowed
  }

  const discoverableAt = (reader: Reader, st: ClassState) => allowedAt('discover', reader, st)
  return {
    discoverable: async (reader) => discoverableAt(reader, await state.push(null)),
    discoverableAt,
    deconflictableAt: (member, st) => allowedAt('deconflict', { member, roles: [], purpose: null }, st),
    current: async () => last ?? state.push(null),
    observe: (st) => void (last = st),
  }
}
