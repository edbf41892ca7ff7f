// Records: publish a signed SD-JWT, read one as the caller may see it. Thin: the service decides.
import type { FastifyInstance } from 'fastify'
import type { GatewayKeys } from '../../auth/gateway-keys.js'
import { principalOf } from '../../auth/plugin.js'
import type { Clock } from '../../clock.js'
import type { RecordTypes } from '../../records/record-types.js'
import { publishRecord, readRecord } from '../../records/record.service.js'
import type { components } from '../contract.gen.js'
import type { Contract } from '../contract.js'

type S = components['schemas']

export interface RecordRouteOptions {
  contract: Contract
  types: RecordTypes
  keys: GatewayKeys
  issuer: string
  maxRecordBytes: number
  clock: Clock
}

export default async function recordRoutes(app: FastifyInstance, opts: RecordRouteOptions): Promise<void> {
  const deps = () => ({ types: opts.types, keys: opts.keys, issuer: opts.issuer, maxRecordBytes: opts.maxRecordBytes, now: opts.clock() })
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
}
