// The daily publish quota: hard identifiers NEW to the publisher (held in none of its records yet)
// that its published records carry, per UTC day. Deconfliction tells a publisher whether another
// member holds a value, so publishing guesses is an existence test and is metered like lookups;
// republishing one's own identifiers is free. Counted in one statement, never past the limit.
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema.js'

export interface PublishQuota {
  readonly limit: number
  /** Counts the values of `values` new to `member` if they fit today's quota: how many were counted, or false (nothing counted). */
  consume(member: string, values: readonly string[], now: Date): Promise<number | false>
  /** Gives back what consume counted for a record that was then not stored. */
  refund(member: string, n: number, now: Date): Promise<void>
}

const dayOf = (now: Date) => now.toISOString().slice(0, 10)

export function createPublishQuota(db: Kysely<DB>, limit: number): PublishQuota {
  return {
    limit,
    async consume(member, values, now) {
      if (values.length === 0) return 0
      const { rows } = await sql<{ n: number; counted: number }>`
        with fresh as (
          select count(*)::int as n from (select distinct v from unnest(${[...values]}::text[]) as u(v)) x
          where not exists (select 1 from record_selectors s where s.value = x.v and s.originator = ${member})
        ),
        counted as (
          insert into publish_selectors (member, day, used)
          select ${member}, ${dayOf(now)}::date, n from fresh where n > 0 and n <= ${limit}::int
          on conflict (member, day) do update set used = publish_selectors.used + excluded.used
            where publish_selectors.used + excluded.used <= ${limit}::int
          returning used
        )
        select (select n from fresh) as n, (select count(*) from counted)::int as counted`.execute(db)
      const { n, counted } = rows[0]!
      return n === 0 || counted === 1 ? n : false
    },
    async refund(member, n, now) {
      if (n <= 0) return
      await sql`update publish_selectors set used = greatest(used - ${n}::int, 0) where member = ${member} and day = ${dayOf(now)}::date`.execute(
        db,
      )
    },
  }
}
