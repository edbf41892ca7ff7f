// The daily lookup quota, counted per member in the database (exact across gateway instances). One
// counting statement is in flight at a time; lookups arriving meanwhile are counted together in the
// next. Otherwise each would queue on its member's counter row for the previous commit.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { consumeLookups, consumeLookupsMany } from './lead.repository.js'

export interface LookupQuota {
  readonly limit: number
  /** Counts `n` lookups for `member` today if they fit; false (nothing counted) if not. */
  consume(member: string, n: number, now: Date): Promise<boolean>
}

interface Pending {
  member: string
  n: number
  day: string
  resolve(ok: boolean): void
  reject(e: unknown): void
}

export function createLookupQuota(db: Kysely<DB>, limit: number): LookupQuota {
  let queue: Pending[] = []
  let inFlight = false

  async function count(batch: Pending[]): Promise<void> {
    const totals = new Map<string, { member: string; day: string; n: number }>()
    for (const p of batch) {
      const t = totals.get(`${p.member}:${p.day}`) ?? { member: p.member, day: p.day, n: 0 }
      t.n += p.n
      totals.set(`${p.member}:${p.day}`, t)
    }
    const fitted = await consumeLookupsMany(db, [...totals.values()], limit)
    // A member whose lookups do not fit together: each in turn, so those that fit still pass.
    for (const p of batch) p.resolve(fitted.has(`${p.member}:${p.day}`) || (await consumeLookups(db, p.member, p.n, limit, new Date(`${p.day}T12:00:00Z`))))
  }

  function drain(): void {
    if (inFlight || queue.length === 0) return
    const batch = queue
    queue = []
    inFlight = true
    count(batch)
      .catch((e: unknown) => batch.forEach((p) => p.reject(e)))
      .finally(() => {
        inFlight = false
        drain()
      })
  }

  return {
    limit,
    consume: (member, n, now) =>
      new Promise<boolean>((resolve, reject) => {
        queue.push({ member, n, day: now.toISOString().slice(0, 10), resolve, reject })
        drain()
      }),
  }
}
