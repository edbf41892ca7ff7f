// Lead search over GraphQL: a thin call into the service GET /v1/leads uses.
import type { MercuriusContext } from 'mercurius'
import { principalOf } from '../../auth/plugin.js'
import { type LeadQuery, searchLeads } from '../../leads/lead.service.js'
import { type LookupItem, lookupSelectors } from '../../leads/lead-lookup.service.js'
import { contactView, decideContactRequest, listContactRequests, requestContact } from '../../leads/match-contact.service.js'
import { listMyMatches } from '../../leads/match.service.js'
import type { AppServices } from '../../app.js'
import { node } from './records.js'

interface LeadFilterInput {
  selector?: string | null
  text?: string | null
  kind?: string | null
  type?: string | null
  originator?: string | null
  since?: Date | null
  grading?: string | null
}

export function leadResolvers(deps: () => AppServices) {
  return {
    Mutation: {
      async requestMatchContact(_: unknown, args: { matchId: string; message: string; purpose: string }, ctx: MercuriusContext) {
        const p = principalOf(ctx.reply.request)
        return contactView(
          await requestContact(ctx.app.db, deps(), p, args.matchId, { message: args.message, purpose: args.purpose }),
          p.member,
        )
      },
      async decideContactRequest(
        _: unknown,
        args: { id: string; decision: 'ACCEPT' | 'DECLINE'; reason?: string | null },
        ctx: MercuriusContext,
      ) {
        const p = principalOf(ctx.reply.request)
        const input = {
          decision: args.decision === 'ACCEPT' ? ('accept' as const) : ('decline' as const),
          ...(args.reason ? { reason: args.reason } : {}),
        }
        return contactView(await decideContactRequest(ctx.app.db, deps().now, p, args.id, input), p.member)
      },
    },
    Query: {
      async contactRequests(_: unknown, args: { as: 'REQUESTER' | 'TARGET'; status?: string | null }, ctx: MercuriusContext) {
        const p = principalOf(ctx.reply.request)
        const items = await listContactRequests(ctx.app.db, deps().now, p, args.as === 'REQUESTER' ? 'requester' : 'target', args.status)
        return items.map((c) => contactView(c, p.member))
      },
      matches: (_: unknown, __: unknown, ctx: MercuriusContext) => listMyMatches(ctx.app.db, deps(), principalOf(ctx.reply.request)),
      leadLookup: (_: unknown, args: { selectors: Array<{ selector: string; kind?: string | null }> }, ctx: MercuriusContext) =>
        lookupSelectors(
          ctx.app.db,
          deps(),
          principalOf(ctx.reply.request),
          args.selectors.map((s): LookupItem => ({ selector: s.selector, ...(s.kind ? { kind: s.kind } : {}) })),
        ),
      async leads(_: unknown, args: { filter: LeadFilterInput; first: number; after?: string | null }, ctx: MercuriusContext) {
        const f = args.filter
        const query: LeadQuery = {
          ...(f.selector != null ? { selector: f.selector } : {}),
          ...(f.text != null ? { text: f.text } : {}),
          ...(f.kind != null ? { kind: f.kind } : {}),
          ...(f.type ? { recordType: f.type } : {}),
          ...(f.originator ? { originator: f.originator } : {}),
          ...(f.since ? { since: f.since } : {}),
          ...(f.grading != null ? { grading: f.grading } : {}),
        }
        const page = await searchLeads(deps(), principalOf(ctx.reply.request), query, args.first, args.after)
        return {
          selector: page.selector ?? null,
          terms: page.terms ?? null,
          edges: page.items.map((i) => ({ cursor: i.cursor, matchedFields: i.matchedFields, node: node(i.read) })),
          pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
        }
      },
    },
  }
}
