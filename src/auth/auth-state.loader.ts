// Every authenticated request re-checks its member's status and its key's revocation. Requests that
// reach that check in the same turn of the event loop share one query (DataLoader-style): each still
// reads state committed after it arrived, and under load the gateway makes one round trip, not N.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { type AuthState, authStates } from '../members/member.repository.js'

export interface AuthStateLoader {
  load(member: string, kid: string): Promise<AuthState | undefined>
}

interface Waiting {
  member: string
  kid: string
  waiters: Array<{ resolve(s: AuthState | undefined): void; reject(e: unknown): void }>
}

export function createAuthStateLoader(db: Kysely<DB>): AuthStateLoader {
  let pending = new Map<string, Waiting>()

  async function flush(): Promise<void> {
    const batch = pending
    pending = new Map()
    try {
      const states = await authStates(db, [...batch.values()])
      for (const [k, w] of batch) for (const x of w.waiters) x.resolve(states.get(k))
    } catch (e) {
      for (const w of batch.values()) for (const x of w.waiters) x.reject(e)
    }
  }

  return {
    load(member, kid) {
      return new Promise((resolve, reject) => {
        const k = `${member}:${kid}`
        if (pending.size === 0) setImmediate(() => void flush())
        const w = pending.get(k) ?? { member, kid, waiters: [] }
        w.waiters.push({ resolve, reject })
        pending.set(k, w)
      })
    },
  }
}
