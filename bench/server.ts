// The gateway process `npm run bench` spawns: the real app plus bench-only routes (never in the
// product) reading the same row a real read does and returning it as stored, with no decision, no
// redaction and no KB-JWT: /bench/baseline/records/:o/:id authenticates and writes the same audit
// entry a real read writes (the read minus its crypto); /bench/fetch/records/:o/:id authenticates and
// writes nothing; /bench/bare/records/:o/:id is the "bare fetch": fastify + the same pool reading the
// same row, with no auth, no crypto, no policy and no audit. /bench/constant-policy/records/:o/:id is
// the real read with the policy engine answering "allow": the difference is what the engine costs.
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
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
  app.get<{ Params: { originator: string; id: string } }>('/bench/baseline/records/:originator/:id', async (request, reply) => {
    const rec = await records.byRef(request.params)
    if (!rec) return reply.code(404).send({ code: 'NOT_FOUND' })
    const p = principalOf(request)
    const disclosed = rec.disclosures.map((d) => d.path)
    await audit.append({
      at: new Date(),
      actor: { kind: 'member', member: p.member, actor: p.actor },
      action: 'bench.baseline.read',
      subject: `record:${rec.originator}:${rec.id}`,
      details: { disclosed, purpose: p.purpose },
    })
    return { issuerJwt: rec.issuerJwt, disclosures: rec.disclosures.map((d) => d.encoded) }
  })
  // Same contract schema (serialiser) as the real route, so only the decision differs.
  app.route<{ Params: { originator: string; id: string } }>({
    ...loadContract().route('getRecord'),
    url: '/bench/constant-policy/records/:originator/:id',
    handler: async (request, reply) => {
      const deps = app.services()
      const read = await readRecord({ ...deps, policies: constantPolicies(deps.policies) }, principalOf(request), request.params)
      return reply
        .header('Cache-Control', 'no-store')
        .send(read.visibility === 'hit' ? read : { visibility: 'disclose', sdJwt: read.sdJwt, record: read.record })
    },
  })
  app.get<{ Params: { originator: string; id: string } }>('/bench/fetch/records/:originator/:id', async (request, reply) => {
    const rec = await records.byRef(request.params)
    if (!rec) return reply.code(404).send({ code: 'NOT_FOUND' })
    return { issuerJwt: rec.issuerJwt, disclosures: rec.disclosures.map((d) => d.encoded) }
  })
}

/** The bare fetch: no authentication hook in this scope, one plain statement on the gateway's pool. */
async function bareFetchRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { originator: string; id: string } }>('/bench/bare/records/:originator/:id', async (request, reply) => {
    const { rows } = await sql<{ issuer_jwt: string; disclosures: Array<{ encoded: string }> }>`/* prepared:bench-bare */
      select issuer_jwt, disclosures from records where originator = ${request.params.originator} and id = ${request.params.id}::uuid`.execute(
      app.db,
    )
    const rec = rows[0]
    if (!rec) return reply.code(404).send({ code: 'NOT_FOUND' })
    return { issuerJwt: rec.issuer_jwt, disclosures: rec.disclosures.map((d) => d.encoded) }
  })
}

/**
 * Bench-only bulk seeding of the lead index (never in the product): `count` copies of one published
 * record (new ids, later receipt times, same bytes otherwise) and one passport selector each,
 * `passport:KOR:M<8 digits of i>`, inserted set-wise in slices. Runs in this process because an
 * embedded database has one owner.
 */
async function seedRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Body: { template: string; from: number; to: number } }>('/bench/seed-leads', async (request) => {
    const { template, from, to } = request.body
    const { rows } = await sql<{
      class_id: number
    }>`select class_id from record_selectors where record_id = ${template}::uuid and field = 'passports'`.execute(app.db)
    const classId = rows[0]!.class_id
    for (let lo = from; lo <= to; lo += 50_000) {
      const hi = Math.min(to, lo + 49_999)
      await app.db.transaction().execute(async (trx) => {
        await sql`insert into records (originator, id, type, version, supersedes, created_at, retain_until, marking, releasable_to, originator_control, grading, purpose_limits, issuer_jwt, signing_kid, holder_kid, sd_jwt_sha256, received_at, disclosures)
          select t.originator, md5('bench-lead-' || i)::uuid, t.type, t.version, null, t.created_at, t.retain_until, t.marking, t.releasable_to, t.originator_control, t.grading, t.purpose_limits, t.issuer_jwt, t.signing_kid, t.holder_kid, md5('bench-lead-' || i), t.received_at + i * interval '1 millisecond', t.disclosures
          from records t, generate_series(${lo}::int, ${hi}::int) i where t.id = ${template}::uuid`.execute(trx)
        await sql`insert into record_selectors (originator, record_id, field, kind, value, class_id, field_releasable_to, received_at)
          select 'KR', md5('bench-lead-' || i)::uuid, 'passports', 'passport', 'passport:KOR:M' || lpad(i::text, 8, '0'), ${classId}::int, array['VN'], now()
          from generate_series(${lo}::int, ${hi}::int) i`.execute(trx)
      })
    }
    await sql`analyze records`.execute(app.db)
    await sql`analyze record_selectors`.execute(app.db)
    return { seeded: to - from + 1 }
  })
}

async function main(): Promise<void> {
  const config = loadConfig(process.env)
  const app = await buildApp(config)
  await app.register(baselineRoutes)
  await app.register(bareFetchRoutes)
  await app.register(seedRoutes)
  await app.listen({ host: config.host, port: config.port })
  app.log.info({ mode: config.mode, engine: app.database.engine, issuer: config.issuer }, 'ICACN Exchange ready')
  let closing = false
  const shutdown = () => {
    if (closing) return
    closing = true
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
}

main().catch((err: unknown) => {
  console.error('bench server: failed to start:', err)
  process.exit(1)
})
