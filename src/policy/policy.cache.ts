// The policy versions a gateway process has seen (versions never change once stored) and the one
// memoised decision table. Each request learns the active version with its records and calls
// ensure() first, so decide() itself stays synchronous and pure.
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema.js'
import type { PolicySource } from './decide.js'
import { type ActivePolicy, createDecisionTable, type DecisionTable, draftEvaluator } from './decision-table.js'

export interface PolicyCache extends PolicySource {
  /** Loads, in one query, the texts of any of these versions not yet held. */
  ensure(records: Iterable<{ originator: string; policyVersion: number | null }>): Promise<void>
  readonly table: DecisionTable
  /** A source for a policy under test (dry run); its decisions stay out of the shared table. */
  draft(policy: ActivePolicy): PolicySource
}

export function createPolicyCache(db: Kysely<DB>, table: DecisionTable = createDecisionTable()): PolicyCache {
  const texts = new Map<string, ActivePolicy>()
  const id = (originator: string, version: number) => `${originator}:${version}`
  const draft = draftEvaluator()
  return {
    table,
    draft,
    policy: (originator, version) => texts.get(id(originator, version)),
    decide: (policy, key) => table.decide(policy, key),
    async ensure(records) {
      const missing = new Map<string, { originator: string; version: number }>()
      for (const r of records)
        if (r.policyVersion !== null && !texts.has(id(r.originator, r.policyVersion)))
          missing.set(id(r.originator, r.policyVersion), { originator: r.originator, version: r.policyVersion })
      if (missing.size === 0) return
      const wanted = [...missing.values()]
      const rows = await db
        .selectFrom('member_policies')
        .select(['originator', 'version', 'text'])
        .where(
          sql<boolean>`(originator, version) in (select * from unnest(${wanted.map((w) => w.originator)}::char(2)[], ${wanted.map((w) => w.version)}::int[]))`,
        )
        .execute()
      for (const r of rows) texts.set(id(r.originator, r.version), { originator: r.originator, version: r.version, text: r.text })
    },
  }
}
