// Every authenticated request re-checks its member's status and its key's revocation. Requests that
// reach that check in the same turn of the event loop share one query: each still reads state
// committed after it arrived, and under load the gateway makes one round trip, not N.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { type ObserveBatcher, tickBatcher } from '../db/tick-batcher.js'
import { type AuthState, authStates } from '../members/member.repository.js'

export interface AuthStateLoader {
  load(member: string, kid: string): Promise<AuthState | undefined>
}

export function createAuthStateLoader(db: Kysely<DB>, observe?: ObserveBatcher): AuthStateLoader {
  const batcher = tickBatcher(
    async (pairs: ReadonlyArray<{ member: string; kid: string }>) => {
      const states = await authStates(db, pairs)
      return pairs.map((p) => states.get(`${p.member}:${p.kid}`))
    },
    { max: 256, observe: observe?.('auth-state') },
  )
  return { load: (member, kid) => batcher.push({ member, kid }) }
}
