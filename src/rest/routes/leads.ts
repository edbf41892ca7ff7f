// Lead search over REST. Thin: the service normalises, filters, decides, presents and audits.
import type { FastifyInstance } from 'fastify'
import { principalOf } from '../../auth/plugin.js'
import { type LeadQuery, searchLeads } from '../../leads/lead.service.js'
import { type LookupItem, lookupSelectors } from '../../leads/lead-lookup.service.js'
import type { ContactSide, ContactStatus } from '../../leads/match-contact.repository.js'
import {
  type ContactDecisionInput,
  contactView,
  decideContactRequest,
  getContactRequest,
  listContactRequests,
  requestContact,
} from '../../leads/match-contact.service.js'
import { listMyMatches } from '../../leads/match.service.js'
import type { AppServices } from '../../app.js'
import { parseTime } from '../../records/record-page.js'
import type { components } from '@icacn/sdk/contract'
import type { Contract } from '../contract.js'
import { wire } from './records.js'

type S = components['schemas']

export interface LeadRouteOptions {
  contract: Contract
  deps: () => AppServices
}

export default async function leadRoutes(app: FastifyInstance, opts: LeadRouteOptions): Promise<void> {
  app.route<{
    Querystring: {
      selector?: string
      text?: string
      kind?: string
      type?: string
      originator?: string
      since?: string
      grading?: string
      first?: number
      after?: string
    }
    Reply: S['LeadPage']
  }>({
    ...opts.contract.route('searchLeads'),
    handler: async (request, reply) => {
      const q = request.query
      const query: LeadQuery = {
        ...(q.selector !== undefined ? { selector: q.selector } : {}),
        ...(q.text !== undefined ? { text: q.text } : {}),
        ...(q.kind !== undefined ? { kind: q.kind } : {}),
        ...(q.type ? { recordType: q.type } : {}),
        ...(q.originator ? { originator: q.originator } : {}),
        ...(q.since !== undefined ? { since: parseTime(q.since, '/since') } : {}),
        ...(q.grading !== undefined ? { grading: q.grading } : {}),
      }
      const page = await searchLeads(opts.deps(), principalOf(request), query, q.first ?? 20, q.after)
      return reply.header('Cache-Control', 'no-store').send({
        ...(page.selector ? { selector: page.selector } : {}),
        ...(page.terms ? { terms: page.terms } : {}),
        edges: page.items.map((i) => ({ cursor: i.cursor, matchedFields: i.matchedFields, node: wire(i.read) })),
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      })
    },
  })
  // find-my-way reads ':' as a parameter: the literal AIP-style colon is escaped as '::'.
  app.route<{ Body: { selectors: LookupItem[] } }>({
    ...opts.contract.route('lookupLeads'),
    url: '/v1/leads::lookup',
    handler: async (request, reply) =>
      reply
        .header('Cache-Control', 'no-store')
        .send({ results: await lookupSelectors(app.db, opts.deps(), principalOf(request), request.body.selectors) }),
  })
  app.route({
    ...opts.contract.route('listMatches'),
    handler: async (request, reply) =>
      reply.header('Cache-Control', 'no-store').send({ matches: await listMyMatches(app.db, opts.deps(), principalOf(request)) }),
  })
  // Contact requests on blind matches: asked by the blind side, answered by the hidden side.
  app.route<{ Params: { matchId: string }; Body: { message: string; purpose: string }; Reply: S['ContactRequest'] }>({
    ...opts.contract.route('requestMatchContact'),
    handler: async (request, reply) => {
      const p = principalOf(request)
      return reply.code(201).send(contactView(await requestContact(app.db, opts.deps(), p, request.params.matchId, request.body), p.member))
    },
  })
  app.route<{ Querystring: { as: ContactSide; status?: ContactStatus }; Reply: { items: Array<S['ContactRequest']> } }>({
    ...opts.contract.route('listContactRequests'),
    handler: async (request, reply) => {
      const p = principalOf(request)
      const items = await listContactRequests(app.db, opts.deps().now, p, request.query.as, request.query.status)
      return reply.header('Cache-Control', 'no-store').send({ items: items.map((c) => contactView(c, p.member)) })
    },
  })
  app.route<{ Params: { requestId: string }; Reply: S['ContactRequest'] }>({
    ...opts.contract.route('getContactRequest'),
    handler: async (request, reply) => {
      const p = principalOf(request)
      return reply
        .header('Cache-Control', 'no-store')
        .send(contactView(await getContactRequest(app.db, opts.deps().now, p, request.params.requestId), p.member))
    },
  })
  app.route<{ Params: { requestId: string }; Body: ContactDecisionInput; Reply: S['ContactRequest'] }>({
    ...opts.contract.route('decideContactRequest'),
    handler: async (request, reply) => {
      const p = principalOf(request)
      return reply.send(
        contactView(await decideContactRequest(app.db, opts.deps().now, p, request.params.requestId, request.body), p.member),
      )
    },
  })
}
