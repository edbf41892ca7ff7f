// The daily lookup quota per member. The count in the database is exact across gateway instances:
// it never passes the limit. Each instance reserves lookups in leases (growing to 1% of the limit)
// and spends them in memory, so a search does not wait on a counter row; near the limit it reserves
// only what it needs. A lease left unspent (another instance, a restart) is lost for the day:
// the quota errs towards refusing, never towards allowing a sweep.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { consumeLookups } from './lead.repository.js'

export interface LookupQuota {
  readonly limit: number
  /** Counts `n` lookups for `member` today if they fit; false (nothing counted) if not. */
  consume(member: string, n: number, now: Date): Promise<boolean>
}

interface Pending {
  n: number
  resolve(ok: boolean): void
  reject(e: unknown): void
}

interface Lease {
  member: string
  day: string
  /** Reserved in the database, not yet spent. */
  left: number
  /** The size of the next reservation. */
  next: number
  queue: Pending[]
  reserving: boolean
}

export function createLookupQuota(db: Kysely<DB>, limit: number, maxLease = Math.max(1, Math.floor(limit / 100))): LookupQuota {
  const leases = new Map<string, Lease>()

  const reserve = (l: Lease, n: number) => consumeLookups(db, l.member, n, limit, new Date(`${l.day}T12:00:00Z`))

  // One reservation at a time per member and day; what queues meanwhile is served from the next.
  async function replenish(l: Lease, batch: readonly Pending[]): Promise<void> {
    const need = batch.reduce((s, p) => s + p.n, 0) - l.left
    if (need > 0) {
      const want = Math.max(need, l.next)
      if (await reserve(l, want)) {
        l.left += want
        l.next = Math.min(l.next * 2, maxLease)
      } else if (want > need && (await reserve(l, need))) l.left += need
    }
    // Whatever could not be reserved together: each in turn, so those that still fit pass.
    for (const p of batch) {
      if (l.left >= p.n) {
        l.left -= p.n
        p.resolve(true)
      } else if (await reserve(l, p.n - l.left)) {
        l.left = 0
        p.resolve(true)
      } else p.resolve(false)
    }
  }

  function drain(l: Lease): void {
    if (l.reserving || l.queue.length === 0) return
    l.reserving = true
    const batch = l.queue
    l.queue = []
    replenish(l, batch)
      .catch((e: unknown) => batch.forEach((p) => p.reject(e)))
      .finally(() => {
        l.reserving = false
        drain(l)
      })
  }

  function leaseOf(member: string, day: string): Lease {
    const key = `${member}:${day}`
    let l = leases.get(key)
    if (!l) {
      for (const [k, old] of leases) if (old.day < day && !old.reserving && old.queue.length === 0) leases.delete(k)
      l = { member, day, left: 0, next: 1, queue: [], reserving: false }
      leases.set(key, l)
    }
    return l
  }

  return {
    limit,
    consume(member, n, now) {
      const l = leaseOf(member, now.toISOString().slice(0, 10))
      // Served from the lease only when nothing is queued before it (arrival order is kept).
      if (!l.reserving && l.queue.length === 0 && l.left >= n) {
        l.left -= n
        return Promise.resolve(true)
      }
      return new Promise<boolean>((resolve, reject) => {
        l.queue.push({ n, resolve, reject })
        drain(l)
      })
    },
  }
}
