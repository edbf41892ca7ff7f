// Hot statements as prepared statements: PostgreSQL parses and plans them once per connection
// instead of on every execution (planning the lead search costs more than running it). A statement
// opts in with a `/* prepared:<name> */` comment near its start (see PREPARE); others run as usual.
// The statement name includes a hash of the text, so one marker on text that varies stays correct.
import { createHash } from 'node:crypto'
import type { PostgresPool, PostgresPoolClient } from 'kysely'
import { sql } from 'kysely'
import type pg from 'pg'
import { errors } from '../errors.js'

const MARKER = /\/\* prepared:([a-z0-9-]+) \*\//

/** Put at the start of a statement (or after `select` with modifyFront) to have it prepared. */
export const prepare = (name: string) => sql.raw(`/* prepared:${name} */`)

export function preparingPool(pool: pg.Pool): PostgresPool {
  // Text → statement name, for marked texts only (their number does not vary with data; others
  // are never held, so statements whose text varies cannot fill this).
  const names = new Map<string, string>()
  const nameOf = (text: string): string | null => {
    const known = names.get(text)
    if (known) return known
    const m = MARKER.exec(text.slice(0, 200))
    if (!m) return null
    const name = `${m[1]}-${createHash('sha256').update(text).digest('base64url').slice(0, 16)}`
    if (names.size < 10_000) names.set(text, name)
    return name
  }
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect().catch((e: unknown) => {
        // pg-pool gives up waiting for a free connection after connectionTimeoutMillis: the gateway is
        // overloaded, not broken, so the caller is told to retry (503) rather than given a 500.
        if (e instanceof Error && e.message === 'timeout exceeded when trying to connect')
          throw errors.notReady('every database connection is busy; retry shortly')
        throw e
      })
      // A migration (by a newer instance) can change a table under a prepared `select *`: PostgreSQL
      // then refuses that statement ("cached plan must not change result type"). It is deallocated
      // and prepared afresh once; pg's record of what this connection has prepared is kept in step.
      // PostgreSQL may end a connection while it is checked out (a transaction idle past
      // idle_in_transaction_session_timeout, an administrator): pg then emits 'error' on the client,
      // which without a listener would end the process. Its next query fails instead, failing that act.
      const onError = (): void => undefined
      client.on('error', onError)
      const parsed = (client as unknown as { connection?: { parsedStatements?: Record<string, unknown> } }).connection?.parsedStatements
      const run = (name: string, text: string, values: unknown[]) => client.query({ name, text, values })
      return {
        query: ((textOrCursor: string, values: unknown[]) => {
          const name = typeof textOrCursor === 'string' ? nameOf(textOrCursor) : null
          if (!name) return client.query(textOrCursor as never, values)
          return run(name, textOrCursor, values).catch(async (e: unknown) => {
            if ((e as { code?: string }).code !== '0A000' || !parsed) throw e
            await client.query(`deallocate "${name}"`)
            delete parsed[name]
            return run(name, textOrCursor, values)
          })
        }) as unknown as PostgresPoolClient['query'],
        release: () => {
          client.off('error', onError)
          client.release()
        },
      }
    },
    end: () => pool.end(),
  }
}
