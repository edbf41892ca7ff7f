// Lead searches batched per turn of the event loop: concurrent searches of one index (any callers,
// any filters) go to the database in one statement, which also reports the class state it ran in.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { type ObserveBatcher, tickBatcher } from '../db/tick-batcher.js'
import { findLeadMatches, type LeadIndexKind, type LeadMatch, type LeadSearch } from './lead.repository.js'
import type { ClassState } from './selector-class.repository.js'

export interface LeadIndex {
  search(index: LeadIndexKind, s: LeadSearch): Promise<{ state: ClassState; matches: LeadMatch[] }>
}

export function createLeadIndex(db: Kysely<DB>, observe?: ObserveBatcher): LeadIndex {
  const batcherFor = (index: LeadIndexKind) =>
    tickBatcher(
      async (searches: readonly LeadSearch[]) => {
        const { state, results } = await findLeadMatches(db, index, searches)
        return results.map((matches) => ({ state, matches }))
      },
      { max: 64, isolateFailures: true, observe: observe?.(`lead-index-${index}`) },
    )
  const batchers = { selector: batcherFor('selector'), name: batcherFor('name') }
  return { search: (index, s) => batchers[index].push(s) }
}
