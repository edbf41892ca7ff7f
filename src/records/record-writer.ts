// Group commit for new records: first versions ready in the same turn of the event loop go to the
// database as ONE statement (insertRecords), so under load a round trip, a parse and plan and a WAL
// flush are shared by many records. A duplicate id waits for the next batch; a record the database
// refuses fails alone.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { type ObserveBatcher, tickBatcher } from '../db/tick-batcher.js'
import { insertRecords, type NewRecord, recordKey } from './record-write.repository.js'

export interface RecordWriter {
  /** True if this record was inserted now; false if its id was already taken or its key is no longer usable. */
  write(item: NewRecord): Promise<boolean>
}

export function createRecordWriter(db: Kysely<DB>, observe?: ObserveBatcher): RecordWriter {
  const batcher = tickBatcher(
    async (items: readonly NewRecord[]) => {
      const inserted = await insertRecords(db, items)
      return items.map((i) => inserted.has(recordKey(i.record)))
    },
    { max: 64, distinct: (i) => recordKey(i.record), isolateFailures: true, observe: observe?.('record-writer') },
  )
  return { write: (item) => batcher.push(item) }
}
