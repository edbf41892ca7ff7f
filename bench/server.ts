// The gateway process `npm run bench` spawns: the real app plus ONE bench-only route (never in the
// product), GET /bench/baseline/records/:id, which authenticates and reads the same row a real read
// does (record and disclosures), then returns it as stored: no decision, no KB-JWT, no audit write.
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { createRecordLoader } from '../src/records/record.loader.js'

async function baselineRoutes(app: FastifyInstance): Promise<void> {
  // Same authentication as the real /v1 scope (src/rest/plugin.ts): bearer verify + member/key state.
  app.addHook('onRequest', async (request) => app.authenticate(request))
  // The same batched fetch the real read uses, so the ratio measures decision, KB-JWT and audit.
  const records = createRecordLoader(app.db)
  app.get<{ Params: { id: string } }>('/bench/baseline/records/:id', async (request, reply) => {
    const [rec] = await records.byId(request.params.id)
    if (!rec) return reply.code(404).send({ code: 'NOT_FOUND' })
    return { issuerJwt: rec.issuerJwt, disclosures: rec.disclosures.map((d) => d.encoded) }
  })
}

async function main(): Promise<void> {
  const config = loadConfig(process.env)
  const app = await buildApp(config)
  await app.register(baselineRoutes)
  await app.listen({ host: config.host, port: config.port })
  app.log.info({ mode: config.mode, engine: app.database.engine, issuer: config.issuer }, 'ICACN Exchange ready')
  let closing = false
  const shutdown = () => {
    if (closing) return
    closing = true
    app.close().then(() => process.exit(0), () => process.exit(1))
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
}

main().catch((err: unknown) => {
  console.error('bench server: failed to start:', err)
  process.exit(1)
})
