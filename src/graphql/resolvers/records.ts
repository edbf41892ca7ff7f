// Record queries and the publish mutation: thin calls into the same services REST uses.
import type { MercuriusContext } from 'mercurius'
import { principalOf } from '../../auth/plugin.js'
import type { RecordRead } from '../../disclosure/present.js'
import { AppError } from '../../errors.js'
import { listRecords } from '../../records/record-list.service.js'
import { publishRecord } from '../../records/record-publish.service.js'
import { readRecord, type RecordDeps } from '../../records/record.service.js'

// __typename picks the union member; hits carry only the hit fields.
export const node = (r: RecordRead) =>
  r.visibility === 'hit' ? { __typename: 'RecordHit', ...r.hit } : { __typename: 'RecordPresentation', sdJwt: r.sdJwt, record: { ...r.record, originatorControl: r.record.handling.originatorControl } }

export function recordResolvers(deps: () => RecordDeps) {
  return {
    Query: {
      async record(_: unknown, args: { id: string }, ctx: MercuriusContext) {
        try {
          return node(await readRecord(ctx.app.db, deps(), principalOf(ctx.reply.request), args.id))
        } catch (e) {
          // not found and not visible are the same answer: null
          if (e instanceof AppError && e.code === 'RECORD_NOT_FOUND') return null
          throw e
        }
      },
      async records(_: unknown, args: { filter?: { type?: string; originator?: string; since?: Date } | null; first: number; after?: string | null }, ctx: MercuriusContext) {
        const f = args.filter ?? {}
        const page = await listRecords(ctx.app.db, deps(), principalOf(ctx.reply.request), { ...(f.type ? { type: f.type } : {}), ...(f.originator ? { originator: f.originator } : {}), ...(f.since ? { since: f.since } : {}) }, args.first, args.after)
        return { edges: page.items.map((i) => ({ cursor: i.cursor, node: node(i.read) })), pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } }
      },
    },
    RecordRead: {
      resolveType: (obj: { __typename: string }) => obj.__typename,
    },
    Mutation: {
      async publishRecord(_: unknown, args: { sdJwt: string }, ctx: MercuriusContext) {
        return publishRecord(ctx.app.db, deps(), principalOf(ctx.reply.request), args.sdJwt)
      },
    },
  }
}
