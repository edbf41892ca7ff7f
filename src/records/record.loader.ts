// Records by reference for readers, batched per turn of the event loop: concurrent reads fetch their
// rows in one query, so they also reach presentation, and their audit entries, together.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { type ObserveBatcher, tickBatcher } from '../db/tick-batcher.js'
import { findRecordsByRefs, type ReadableRecord, type RecordRef, recordRef, refKey } from './record.repository.js'

export interface RecordLoader {
  /** The record at (originator, id), if any (whether the reader may see it is decided by the caller). */
  byRef(ref: RecordRef): Promise<ReadableRecord | undefined>
}

export function createRecordLoader(db: Kysely<DB>, observe?: ObserveBatcher): RecordLoader {
  const batcher = tickBatcher(
    async (refs: readonly RecordRef[]) => {
      const rows = new Map((await findRecordsByRefs(db, refs)).map((r) => [refKey(r), r]))
      return refs.map((ref) => rows.get(refKey(ref)))
    },
    { max: 128, observe: observe?.('record-loader') },
  )
  return {
    byRef: async (ref) => {
      const valid = recordRef(ref.originator, ref.id)
      return valid ? batcher.push(valid) : undefined
    },
  }
}
