// Liveness (/healthz: the process answers) and readiness (/readyz: database reachable, schema current).
import type { FastifyInstance } from 'fastify'
import { ping } from '../../db/database.js'
import { migrationStatus } from '../../db/migrator.js'
import { errors } from '../../errors.js'
import type { components } from '@icacn/sdk/contract'
import type { Contract } from '../contract.js'

type Readiness = components['schemas']['Readiness']

export default async function healthRoutes(app: FastifyInstance, opts: { contract: Contract }): Promise<void> {
  app.route({ ...opts.contract.route('getHealth'), handler: async () => ({ status: 'ok' as const }) })
  app.route({
    ...opts.contract.route('getReadiness'),
    handler: async (request): Promise<Readiness> => {
      let status: { applied: number; pending: string[] }
      try {
        await ping(app.db)
        status = await migrationStatus(app.db)
      } catch (err) {
        request.log.warn({ err }, 'readiness check: database unreachable')
        throw errors.notReady('the database is unreachable')
      }
      if (status.pending.length > 0) throw errors.notReady(`migrations pending: ${status.pending.join(', ')}`)
      return { status: 'ready', engine: app.database.engine, migrations: status.applied }
    },
  })
}
