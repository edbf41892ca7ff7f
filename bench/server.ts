// The gateway process `npm run bench` spawns: the real app plus two bench-only routes (never in the
// product) that authenticate and read the same row a real read does, then return it as stored, with
// no decision, no redaction and no KB-JWT: /bench/baseline/records/:id writes the same audit entry a
// real read writes (the read minus its crypto); /bench/fetch/records/:id writes nothing (bare fetch).
// /bench/constant-policy/records/:id is the real read with the policy engine replaced by "allow":
// the difference to GET /v1/records/:id is what the policy engine costs a read.
import type { FastifyInstance } from 'fastify'
import { createAuditWriter } from '../src/audit/audit.writer.js'
import { principalOf } from '../src/auth/plugin.js'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { createRecordLoader } from '../src/records/record.loader.js'
import { readRecord } from '../src/records/record.service.js'
import { loadContract } from '../src/rest/contract.js'
import type { PolicyCache } from '../src/policy/policy.cache.js'

/** Every policy question answered "allow" at once: the read without the policy engine. */
function constantPolicies(real: PolicyCache): PolicyCache {
  const allow = { allow: true, policyIds: [], purposeMissing: false }
  return { ...real, ensure: async () => {}, policy: (originator, version) => ({ originator, version, text: '' }), decide: () => allow }
}

async function baselineRoutes(app: FastifyInstance): Promise<void> {
  // Same authentication as the real /v1 scope (src/rest/plugin.ts): bearer verify + member/key state.
  app.addHook('onRequest', async (request) => app.authenticate(request))
  // The same batched fetch the real read uses, so the ratio measures decision, KB-JWT and audit.
  const records = createRecordLoader(app.db)
  const audit = createAuditWriter(app.db)
  app.get<{ Params: { id: string } }>('/bench/baseline/records/:id', async (request, reply) => {
    const [rec] = await records.byId(request.params.id)
    if (!rec) return reply.code(404).send({ code: 'NOT_FOUND' })
    const p = principalOf(request)
    const disclosed = rec.disclosures.map((d) => d.path)
    await audit.append({ at: new Date(), actor: { kind: 'member', member: p.member, actor: p.actor }, action: 'bench.baseline.read', subject: `record:${rec.originator}:${rec.id}`, details: { disclosed, purpose: p.purpose } })
    return { issuerJwt: rec.issuerJwt, disclosures: rec.disclosures.map((d) => d.encoded) }
  })
  // Same contract schema (serialiser) as the real route, so only the decision differs.
  app.route<{ Params: { id: string } }>({
    ...loadContract().route('getRecord'),
    url: '/bench/constant-policy/records/:id',
    handler: async (request, reply) => {
      const deps = app.recordDeps()
      const read = await readRecord(app.db, { ...deps, policies: constantPolicies(deps.policies) }, principalOf(request), request.params.id)
      return reply.header('Cache-Control', 'no-store').send(read.visibility === 'hit' ? read : { visibility: 'disclose', sdJwt: read.sdJwt, record: read.record })
    },
  })
  app.get<{ Params: { id: string } }>('/bench/fetch/records/:id', async (request, reply) => {
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
