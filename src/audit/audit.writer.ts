// Audit entries that are acts on their own, such as a release to a reader (nothing else is written),
// are appended in batches per turn of the event loop. An entry that belongs to another write goes
// in that write's transaction instead (appendAudit with its trx). Either way the entry is committed
// before the caller goes on: a release is on record before the response leaves.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { type ObserveBatcher, tickBatcher } from '../db/tick-batcher.js'
import { type AuditEntry, appendAudit } from './audit.repository.js'

export interface AuditWriter {
  append(...entries: AuditEntry[]): Promise<void>
}

export function createAuditWriter(db: Kysely<DB>, observe?: ObserveBatcher): AuditWriter {
  const batcher = tickBatcher(
    async (groups: ReadonlyArray<readonly AuditEntry[]>) => {
      await appendAudit(db, ...groups.flat())
      return groups.map(() => undefined)
    },
    { max: 128, isolateFailures: true, observe: observe?.('audit-writer') },
  )
  return { append: async (...entries) => (entries.length ? batcher.push(entries) : undefined) }
}
