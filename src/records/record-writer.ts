// Group commit for new records: publishes that are ready in the same turn of the event loop go to
// the database as ONE statement (insertRecords), so under load a round trip, a parse and plan and a
// WAL flush are shared by many records; alone, a record waits for nothing but its own statement.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { insertRecords, type NewRecord, recordKey } from './record-write.repository.js'

export interface RecordWriter {
  /** True if this record was inserted now; false if its id was already taken or its key is no longer usable. */
  write(item: NewRecord): Promise<boolean>
}

interface Pending {
  item: NewRecord
  resolve(created: boolean): void
  reject(e: unknown): void
}

export function createRecordWriter(db: Kysely<DB>, maxBatch = 64): RecordWriter {
  let queue: Pending[] = []
  let scheduled = false

  const schedule = () => {
    if (scheduled || queue.length === 0) return
    scheduled = true
    setImmediate(() => void flush())
  }

  async function flush(): Promise<void> {
    scheduled = false
    // One record per (originator, id) in a batch: a second copy waits for the next, where it meets
    // the first as an existing record, exactly as if it had come later.
    const batch: Pending[] = []
    const rest: Pending[] = []
    const keys = new Set<string>()
    for (const p of queue) {
      const k = recordKey(p.item.record)
      if (batch.length < maxBatch && !keys.has(k)) {
        keys.add(k)
        batch.push(p)
      } else rest.push(p)
    }
    queue = rest
    schedule()
    try {
      const inserted = await insertRecords(db, batch.map((p) => p.item))
      for (const p of batch) p.resolve(inserted.has(recordKey(p.item.record)))
    } catch {
      // One bad record must not fail the others: each goes again on its own and gets its own answer.
      await Promise.all(
        batch.map((p) =>
          insertRecords(db, [p.item]).then(
            (inserted) => p.resolve(inserted.has(recordKey(p.item.record))),
            (e: unknown) => p.reject(e),
          ),
        ),
      )
    }
  }

  return {
    write(item) {
      return new Promise<boolean>((resolve, reject) => {
        queue.push({ item, resolve, reject })
        schedule()
      })
    },
  }
}
