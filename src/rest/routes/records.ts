// Records: publish a signed SD-JWT, list, read one by (originator, id), its versions, its explanation,
// access requests and withdrawal. Thin: each handler adapts the request and calls one service.
import type { FastifyInstance } from 'fastify'
import { principalOf } from '../../auth/plugin.js'
import type { AppServices } from '../../app.js'
import { listVersions, withdrawRecord } from '../../records/record-lifecycle.service.js'
import { publishRecord } from '../../records/record-publish.service.js'
import { readRecord } from '../../records/record.service.js'
import { listRecords } from '../../records/record-list.service.js'
import { parseTime } from '../../records/record-page.js'
import { explainRecord } from '../../policy/explain.service.js'
import { accessRequestView, requestAccess } from '../../policy/access-request.service.js'
import type { RecordRead } from '../../disclosure/present.js'
import { errors } from '../../errors.js'
import type { components } from '@icacn/sdk/contract'
import type { Contract } from '../contract.js'

type S = components['schemas']
type Ref = { Params: { originator: string; id: string } }

export interface RecordRouteOptions {
  contract: Contract
  deps: () => AppServices
}

/** The wire form of a read: the presentation (without the audit-only paths), or the hit. */
export const wire = (r: RecordRead): S['RecordRead'] =>
  r.visibility === 'hit' ? r : { visibility: 'disclose', sdJwt: r.sdJwt, record: r.record as S['RecordView'] }

export default async function recordRoutes(app: FastifyInstance, opts: RecordRouteOptions): Promise<void> {
  const { deps } = opts
  app.route<{ Body: { sdJwt: string }; Reply: S['PublishResult'] }>({
    ...opts.contract.route('publishRecord'),
    handler: async (request, reply) => {
      const result = await publishRecord(app.db, deps(), principalOf(request), request.body.sdJwt)
      return reply.code(result.created ? 201 : 200).send({ record: result.record, receipt: result.receipt })
    },
  })
  app.route<{
    Querystring: { type?: string; originator?: string; since?: string; first?: number; after?: string }
    Reply: S['RecordPage']
  }>({
    ...opts.contract.route('listRecords'),
    handler: async (request, reply) => {
      const q = request.query
      const filter = {
        ...(q.type ? { type: q.type } : {}),
        ...(q.originator ? { originator: q.originator } : {}),
        ...(q.since !== undefined ? { since: parseTime(q.since, '/since') } : {}),
      }
      const page = await listRecords(app.db, deps(), principalOf(request), filter, q.first ?? 20, q.after)
      return reply.header('Cache-Control', 'no-store').send({
        edges: page.items.map((i) => ({ cursor: i.cursor, node: wire(i.read) })),
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      })
    },
  })
  app.route<Ref & { Querystring: { nonce?: string }; Reply: S['RecordRead'] }>({
    ...opts.contract.route('getRecord'),
    handler: async (request, reply) =>
      reply
        .header('Cache-Control', 'no-store')
        .send(wire(await readRecord(deps(), principalOf(request), request.params, { nonce: request.query.nonce }))),
  })
  app.route<Ref & { Reply: { versions: S['RecordVersion'][] } }>({
    ...opts.contract.route('listRecordVersions'),
    handler: async (request, reply) =>
      reply
        .header('Cache-Control', 'no-store')
        .send({ versions: await listVersions(app.db, deps(), principalOf(request), request.params) }),
  })
  app.route<Ref & { Querystring: { recipient?: string; roles?: string; purpose?: string }; Reply: S['DisclosureExplanation'] }>({
    ...opts.contract.route('explainRecordDisclosure'),
    handler: async (request, reply) => {
      const q = request.query
      const input = { recipient: q.recipient ?? null, roles: q.roles === undefined ? null : q.roles.split(','), purpose: q.purpose ?? null }
      return reply.header('Cache-Control', 'no-store').send(await explainRecord(deps(), principalOf(request), request.params, input))
    },
  })
  app.route<Ref & { Body: { fields?: string[]; justification: string; purpose: string }; Reply: S['AccessRequest'] }>({
    ...opts.contract.route('requestAccess'),
    handler: async (request, reply) =>
      reply.code(201).send(accessRequestView(await requestAccess(app.db, deps(), principalOf(request), request.params, request.body))),
  })
  // find-my-way cannot route "{id}:withdraw" (a parameter followed by a literal colon), so the
  // segment is one parameter here and split below; the contract still names the AIP-style path.
  const withdraw = opts.contract.route('withdrawRecord')
  app.route<{ Params: { originator: string; target: string }; Body: { request: string }; Reply: { id: string; withdrawnAt: string } }>({
    ...withdraw,
    url: '/v1/records/:originator/:target',
    schema: {
      ...withdraw.schema,
      params: {
        type: 'object',
        required: ['originator', 'target'],
        properties: { originator: { type: 'string', maxLength: 8 }, target: { type: 'string', maxLength: 64 } },
      },
    },
    handler: async (request) => {
      const m = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):withdraw$/.exec(request.params.target)
      if (!m) throw errors.notFound('route')
      return withdrawRecord(
        app.db,
        deps(),
        principalOf(request),
        { originator: request.params.originator, id: m[1]! },
        request.body.request,
      )
    },
  })
}
