// Records by id for readers, batched per turn of the event loop: concurrent reads fetch their rows
// in one query, so they also reach presentation, and their audit entries, together.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { tickBatcher } from '../db/tick-batcher.js'
import { findRecordsByIds, type ReadableRecord } from './record.repository.js'

export interface RecordLoader {
  /** Every record with this id, whoever published it, in originator order. */
  byId(id: string): Promise<ReadableRecord[]>
}

export function createRecordLoader(db: Kysely<DB>): RecordLoader {
  const batcher = tickBatcher(
    async (ids: readonly string[]) => {
      const rows = await findRecordsByIds(db, ids)
      return ids.map((id) => rows.filter((r) => r.id === id.toLowerCase()))
    },
    { max: 128 },
  )
  return { byId: (id) => batcher.push(id) }
}
