// Records: publish a signed SD-JWT, read one as the caller may see it. Thin: the service decides.
import type { FastifyInstance } from 'fastify'
import { principalOf } from '../../auth/plugin.js'
import { listVersions, withdrawRecord } from '../../records/record-lifecycle.service.js'
import { publishRecord } from '../../records/record-publish.service.js'
import { readRecord, type RecordDeps } from '../../records/record.service.js'
import { listRecords } from '../../records/record-list.service.js'
import { explainRecord } from '../../policy/explain.service.js'
import { parsePurpose, parseRoles } from '../../auth/principal.js'
import { accessRequestView, requestAccess } from '../../policy/access-request.service.js'
import type { RecordRead } from '../../disclosure/present.js'
import { errors } from '../../errors.js'
import type { components } from '../contract.gen.js'
import type { Contract } from '../contract.js'

type S = components['schemas']

export interface RecordRouteOptions {
  contract: Contract
  deps: () => RecordDeps
}

/** The wire form of a read: the presentation (without the audit-only paths), or the hit. */
export const wire = (r: RecordRead): S['RecordRead'] => (r.visibility === 'hit' ? r : { visibility: 'disclose', sdJwt: r.sdJwt, record: r.record as S['RecordView'] })

export default async function recordRoutes(app: FastifyInstance, opts: RecordRouteOptions): Promise<void> {
  const { deps } = opts
  app.route<{ Body: { sdJwt: string }; Reply: S['PublishResult'] }>({
    ...opts.contract.route('publishRecord'),
    handler: async (request, reply) => {
      const result = await publishRecord(app.db, deps(), principalOf(request), request.body.sdJwt)
      return reply.code(result.created ? 201 : 200).send({ record: result.record, receipt: result.receipt })
    },
  })
  app.route<{ Querystring: { type?: string; originator?: string; since?: string; first?: number; after?: string }; Reply: S['RecordPage'] }>({
    ...opts.contract.route('listRecords'),
    handler: async (request, reply) => {
      const q = request.query
      const page = await listRecords(app.db, deps(), principalOf(request), { ...(q.type ? { type: q.type } : {}), ...(q.originator ? { originator: q.originator } : {}), ...(q.since ? { since: new Date(q.since) } : {}) }, q.first ?? 20, q.after)
      return reply.header('Cache-Control', 'no-store').send({ edges: page.items.map((i) => ({ cursor: i.cursor, node: wire(i.read) })), pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } })
    },
  })
  app.route<{ Params: { id: string }; Reply: S['RecordRead'] }>({
    ...opts.contract.route('getRecord'),
    handler: async (request, reply) => reply.header('Cache-Control', 'no-store').send(wire(await readRecord(app.db, deps(), principalOf(request), request.params.id))),
  })
  app.route<{ Params: { id: string }; Reply: { versions: S['RecordVersion'][] } }>({
    ...opts.contract.route('listRecordVersions'),
    handler: async (request) => ({ versions: await listVersions(app.db, deps(), principalOf(request), request.params.id) }),
  })
  app.route<{ Params: { id: string }; Querystring: { recipient?: string; roles?: string; purpose?: string }; Reply: S['DisclosureExplanation'] }>({
    ...opts.contract.route('explainRecordDisclosure'),
    handler: async (request, reply) => {
      const q = request.query
      const onBehalf = q.recipient || q.roles || q.purpose ? { member: q.recipient ?? principalOf(request).member, roles: parseRoles((q.roles ?? 'analyst').split(',')), purpose: parsePurpose(q.purpose) } : null
      return reply.header('Cache-Control', 'no-store').send(await explainRecord(app.db, deps(), principalOf(request), request.params.id, onBehalf))
    },
  })
  app.route<{ Params: { id: string }; Body: { fields?: string[]; justification: string; purpose: string }; Reply: S['AccessRequest'] }>({
    ...opts.contract.route('requestAccess'),
    handler: async (request, reply) => reply.code(201).send(accessRequestView(await requestAccess(app.db, deps(), principalOf(request), request.params.id, request.body))),
  })
  // find-my-way cannot route "{id}:withdraw" (a parameter followed by a literal colon), so the
  // segment is one parameter here and split below; the contract still names the AIP-style path.
  const withdraw = opts.contract.route('withdrawRecord')
  app.route<{ Params: { target: string }; Body: { request: string }; Reply: { id: string; withdrawnAt: string } }>({
    ...withdraw,
    url: '/v1/records/:target',
    schema: { ...withdraw.schema, params: { type: 'object', required: ['target'], properties: { target: { type: 'string', maxLength: 64 } } } },
    handler: async (request) => {
      const m = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):withdraw$/.exec(request.params.target)
      if (!m) throw errors.notFound('route')
      return withdrawRecord(app.db, deps(), principalOf(request), m[1]!, request.body.request)
    },
  })
}
