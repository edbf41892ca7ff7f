// Record queries and the publish mutation: thin calls into the same services REST uses.
import type { MercuriusContext } from 'mercurius'
import { principalOf } from '../../auth/plugin.js'
import type { AppServices } from '../../app.js'
import type { RecordRead } from '../../disclosure/present.js'
import { AppError, type ErrorCode } from '../../errors.js'
import { listRecords } from '../../records/record-list.service.js'
import { publishRecord } from '../../records/record-publish.service.js'
import { readRecord } from '../../records/record.service.js'

// __typename picks the union member; hits carry only the hit fields.
export const node = (r: RecordRead) =>
  r.visibility === 'hit'
    ? { __typename: 'RecordHit', ...r.hit }
    : { __typename: 'RecordPresentation', sdJwt: r.sdJwt, record: { ...r.record, originatorControl: r.record.handling.originatorControl } }

/** GraphQL answers a record (or other one item) that does not exist for the caller with null, as REST answers 404. */
export async function nullIfNotFound<T>(work: Promise<T>, code: ErrorCode = 'RECORD_NOT_FOUND'): Promise<T | null> {
  try {
    return await work
  } catch (e) {
    if (e instanceof AppError && e.code === code) return null
    throw e
  }
}

export function recordResolvers(deps: () => AppServices) {
  return {
    Query: {
      record: async (_: unknown, args: { originator: string; id: string; nonce?: string | null }, ctx: MercuriusContext) =>
        nullIfNotFound(
          readRecord(deps(), principalOf(ctx.reply.request), { originator: args.originator, id: args.id }, { nonce: args.nonce }).then(
            node,
          ),
        ),
      async records(
        _: unknown,
        args: {
          filter?: { type?: string | null; originator?: string | null; since?: Date | null } | null
          first: number
          after?: string | null
        },
        ctx: MercuriusContext,
      ) {
        const f = args.filter ?? {}
        const page = await listRecords(
          ctx.app.db,
          deps(),
          principalOf(ctx.reply.request),
          {
            ...(f.type ? { type: f.type } : {}),
            ...(f.originator ? { originator: f.originator } : {}),
            ...(f.since ? { since: f.since } : {}),
          },
          args.first,
          args.after,
        )
        return {
          edges: page.items.map((i) => ({ cursor: i.cursor, node: node(i.read) })),
          pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
        }
      },
    },
    RecordRead: {
      resolveType: (obj: { __typename: string }) => obj.__typename,
    },
    Mutation: {
      publishRecord: (_: unknown, args: { sdJwt: string }, ctx: MercuriusContext) =>
        publishRecord(ctx.app.db, deps(), principalOf(ctx.reply.request), args.sdJwt),
    },
  }
}
