// Records: publish a signed SD-JWT, read one as the caller may see it. Thin: the service decides.
import type { FastifyInstance } from 'fastify'
import { principalOf } from '../../auth/plugin.js'
import { listVersions, withdrawRecord } from '../../records/record-lifecycle.service.js'
import { publishRecord } from '../../records/record-publish.service.js'
import { readRecord, type RecordDeps } from '../../records/record.service.js'
import { errors } from '../../errors.js'
import type { components } from '../contract.gen.js'
import type { Contract } from '../contract.js'

type S = components['schemas']

export interface RecordRouteOptions {
  contract: Contract
  deps: () => RecordDeps
}

export default async function recordRoutes(app: FastifyInstance, opts: RecordRouteOptions): Promise<void> {
  const { deps } = opts
  app.route<{ Body: { sdJwt: string }; Reply: S['PublishResult'] }>({
    ...opts.contract.route('publishRecord'),
    handler: async (request, reply) => {
      const result = await publishRecord(app.db, deps(), principalOf(request), request.body.sdJwt)
      return reply.code(result.created ? 201 : 200).send({ record: result.record, receipt: result.receipt })
    },
  })
  app.route<{ Params: { id: string }; Reply: S['RecordPresentation'] }>({
    ...opts.contract.route('getRecord'),
    handler: async (request, reply) => {
      const presentation = await readRecord(app.db, deps(), principalOf(request), request.params.id)
      return reply.header('Cache-Control', 'no-store').send({ sdJwt: presentation.sdJwt, record: presentation.record as S['RecordView'] })
    },
  })
  app.route<{ Params: { id: string }; Reply: { versions: S['RecordVersion'][] } }>({
    ...opts.contract.route('listRecordVersions'),
    handler: async (request) => ({ versions: await listVersions(app.db, principalOf(request), request.params.id) }),
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
