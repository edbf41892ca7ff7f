// Mercurius loaders: nested fields are fetched in one query per level, never once per parent.
import type { MercuriusContext } from 'mercurius'
import type { Clock } from '../clock.js'
import { listKeys } from '../members/key.repository.js'
import { findMembers } from '../members/member.repository.js'
import { memberKeyView, type MemberKeyView, memberView, type MemberView } from '../members/member.view.js'

type Query<T> = Array<{ obj: T; params: Record<string, unknown> }>

async function originator(queries: Query<{ originator: string }>, ctx: MercuriusContext): Promise<MemberView[]> {
  const members = await findMembers(ctx.app.db, [...new Set(queries.map((q) => q.obj.originator))])
  return queries.map((q) => memberView(members.find((m) => m.code === q.obj.originator)!))
}

export function loaders(clock: Clock) {
  return {
    Member: {
      async keys(queries: Query<MemberView>, ctx: MercuriusContext): Promise<MemberKeyView[][]> {
        const codes = [...new Set(queries.map((q) => q.obj.code))]
        const keys = await listKeys(ctx.app.db, codes)
        const now = clock()
        return queries.map((q) => keys.filter((k) => k.memberCode === q.obj.code).map((k) => memberKeyView(k, now)))
      },
    },
    Record: { originator },
    RecordHit: { originator },
  }
}
