// `npm run bench`: starts the gateway (bench/server.ts: the real app plus a no-crypto baseline read
// route) on loopback (embedded database, or PostgreSQL when DATABASE_URL is set) and loads it with
// autocannon from this process. Every scenario is reported against a baseline measured in the same run.
import type autocannon from 'autocannon'
import type { Result } from 'autocannon'
import os from 'node:os'
import { freePort, load as loadWith, runBench, startGateway, stopGateway } from './gateway.js'
import { freshDatabase } from '../test/support/database.js'
import { DECIDE_FIELDS, decisionCost } from './decision-cost.js'
import { accessToken, ASSERTION_TYPE, assertionSigner, PASSPORT, presignRecords } from './fixtures.js'

const DURATION_S = Number(process.env.BENCH_DURATION ?? 10)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)
const RECORDS = Number(process.env.BENCH_RECORDS ?? 30_000)
// Publish is also run with enough connections to saturate the gateway: with 10, a closed-loop load
// generator measures latency (requests wait in lockstep for their batch) more than capacity.
const PUBLISH_CONNECTIONS = Number(process.env.BENCH_PUBLISH_CONNECTIONS ?? 64)

const load = (name: string, opts: autocannon.Options): Promise<Result> =>
  loadWith(name, { connections: CONNECTIONS, duration: DURATION_S, ...opts })

/** Two halves of one scenario as one: mean throughput, the worse of each latency percentile. */
function merge(a: Result, b: Result): Result {
  const requests = { ...a.requests, average: (a.requests.average + b.requests.average) / 2, total: a.requests.total + b.requests.total }
  const latency = { ...a.latency, p50: Math.max(a.latency.p50, b.latency.p50), p99: Math.max(a.latency.p99, b.latency.p99) }
  return { ...a, requests, latency }
}

async function main(): Promise<void> {
  const db = await freshDatabase()
  const dataDir = db.dataDir
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const { DATABASE_URL: _admin, ...rest } = process.env
  const env: NodeJS.ProcessEnv = { ...rest, ...db.env, ICACN_MODE: 'development', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' }
  const gateway = await startGateway(env, base)
  try {
    // Pre-signed fixtures first (the gateway is idle meanwhile): records, then single-use assertions.
    let t0 = performance.now()
    const { ids, sdJwts } = await presignRecords(base, dataDir, RECORDS)
    console.log(`pre-signed ${RECORDS} KR person records in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    const sign = await assertionSigner(base, dataDir, 'TH')
    t0 = performance.now()
    const assertions = await Promise.all(Array.from({ length: 40_000 }, sign))
    console.log(`pre-signed ${assertions.length} TH client assertions in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    const th = await accessToken(base, dataDir, 'TH', 'investigation')
    const kr = await accessToken(base, dataDir, 'KR')
    let next = 0
    const form = (a: string) =>
      new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: a }).toString()

    const engine = db.engine
    console.log(
      `ICACN Exchange bench — engine ${engine}, ${CONNECTIONS} connections, ${DURATION_S}s a scenario, node ${process.version}, ${os.cpus().length} cores`,
    )
    const baseline = await load('baseline', { url: `${base}/healthz` })
    const members = await load('members', { url: `${base}/v1/members`, headers: { authorization: `Bearer ${th}` } })
    const tokens = await load('token', {
      url: base,
      maxOverallRequests: assertions.length,
      requests: [
        {
          method: 'POST',
          path: '/v1/auth/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          setupRequest: (r) => ({ ...r, body: form(assertions[next++ % assertions.length]!) }),
        },
      ],
    })
    if (next > assertions.length)
      console.log(`note: ${next - assertions.length} token requests reused an assertion (replay refusals would have failed the run)`)

    // Publish: every request carries a distinct pre-signed record; each must be created (201), never
    // answered as an identical republish (200), so the run stops after RECORDS requests at most.
    let nextRecord = 0
    const publishLoad = async (connections: number) => {
      const result = await load('publish', {
        url: base,
        connections,
        maxOverallRequests: sdJwts.length - nextRecord,
        requests: [
          {
            method: 'POST',
            path: '/v1/records',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${kr}` },
            setupRequest: (r) => ({ ...r, body: JSON.stringify({ sdJwt: sdJwts[nextRecord++ % sdJwts.length]! }) }),
          },
        ],
      })
      const statuses = Object.keys(result.statusCodeStats ?? {})
      if (statuses.some((s) => s !== '201')) throw new Error(`publish: expected only 201, got ${JSON.stringify(result.statusCodeStats)}`)
      if (nextRecord >= sdJwts.length)
        console.log(
          `note: publish used all ${sdJwts.length} pre-signed records before ${DURATION_S}s elapsed; raise BENCH_RECORDS for a full-length run`,
        )
      return result
    }
    const publish = await publishLoad(CONNECTIONS)
    const publishSaturated = await publishLoad(PUBLISH_CONNECTIONS)

    // Read: the first record published. Sanity check once: TH's read is the redacted one.
    const R = ids[0]!
    const check = await fetch(`${base}/v1/records/KR/${R}`, { headers: { authorization: `Bearer ${th}` } })
    const text = await check.text()
    if (check.status !== 200) throw new Error(`sanity read of ${R} as TH: HTTP ${check.status} ${text}`)
    if (text.includes(PASSPORT)) throw new Error(`sanity read of ${R} as TH: the response contains the passport number`)
    const auth = { authorization: `Bearer ${th}` }
    // Baseline and read alternate, half the duration at a time, so drift on a shared machine hits both.
    const half = { duration: Math.max(1, DURATION_S / 2) }
    const bare1 = await load('bare fetch', { url: `${base}/bench/bare/records/KR/${R}`, ...half })
    const ra1 = await load('read', { url: `${base}/v1/records/KR/${R}`, headers: auth, ...half })
    const bare2 = await load('bare fetch', { url: `${base}/bench/bare/records/KR/${R}`, ...half })
    const ra2 = await load('read', { url: `${base}/v1/records/KR/${R}`, headers: auth, ...half })
    const bare = merge(bare1, bare2)
    const readVsBare = merge(ra1, ra2)
    const fetchOnly = await load('authenticated fetch', { url: `${base}/bench/fetch/records/KR/${R}`, headers: auth })
    const b1 = await load('record baseline', { url: `${base}/bench/baseline/records/KR/${R}`, headers: auth, ...half })
    const r1 = await load('read', { url: `${base}/v1/records/KR/${R}`, headers: auth, ...half })
    const b2 = await load('record baseline', { url: `${base}/bench/baseline/records/KR/${R}`, headers: auth, ...half })
    const r2 = await load('read', { url: `${base}/v1/records/KR/${R}`, headers: auth, ...half })
    const recordBaseline = merge(b1, b2)
    const read = merge(r1, r2)
    // The policy engine's share: the same read with every policy question answered "allow", alternated.
    const c1 = await load('constant-policy read', { url: `${base}/bench/constant-policy/records/KR/${R}`, headers: auth, ...half })
    const p1 = await load('read', { url: `${base}/v1/records/KR/${R}`, headers: auth, ...half })
    const c2 = await load('constant-policy read', { url: `${base}/bench/constant-policy/records/KR/${R}`, headers: auth, ...half })
    const p2 = await load('read', { url: `${base}/v1/records/KR/${R}`, headers: auth, ...half })
    const constantPolicy = merge(c1, c2)
    const policyRead = merge(p1, p2)
    const perRead = decisionCost()

    const row = (name: string, r: Result, ref: Result, refName: string) =>
      `${name.padEnd(52)} ${r.requests.average.toFixed(0).padStart(8)} req/s  p50 ${String(r.latency.p50).padStart(4)} ms  p99 ${String(r.latency.p99).padStart(4)} ms  ${(r.requests.average / ref.requests.average).toFixed(3)} × ${refName}`
    console.log(row('baseline GET /healthz (no auth, no db)', baseline, baseline, 'baseline'))
    console.log(row('GET /v1/members (bearer verify + db)', members, baseline, 'baseline'))
    console.log(row('POST /v1/auth/token (assertion → token)', tokens, baseline, 'baseline'))
    console.log(row(`POST /v1/records (publish, ${CONNECTIONS} connections)`, publish, baseline, 'baseline'))
    console.log(row(`POST /v1/records (publish, ${PUBLISH_CONNECTIONS} connections)`, publishSaturated, baseline, 'baseline'))
    console.log(row('GET /bench/bare/records/KR/R (bare fetch: no auth)', bare, baseline, 'baseline'))
    console.log(row('GET /v1/records/KR/R (redacted read, TH)', readVsBare, bare, 'bare fetch'))
    console.log(row('GET /bench/fetch/records/KR/R (auth, no audit)', fetchOnly, baseline, 'baseline'))
    console.log(row('GET /bench/baseline/records/R (no crypto, audited)', recordBaseline, baseline, 'baseline'))
    console.log(row('GET /v1/records/KR/R (redacted read, TH)', read, recordBaseline, 'record baseline'))
    console.log(row('GET /bench/constant-policy/records/KR/R (policy = allow)', constantPolicy, constantPolicy, 'constant-policy'))
    console.log(row('GET /v1/records/KR/R (same read, real policy)', policyRead, constantPolicy, 'constant-policy'))
    const note = engine === 'postgres' ? 'on PostgreSQL' : 'applies on PostgreSQL; embedded figure has none'
    const verdict = (ok: boolean) => (engine === 'postgres' ? (ok ? ': met' : ': NOT met') : '')
    const best = Math.max(publish.requests.average, publishSaturated.requests.average)
    console.log(
      `publish: ${publish.requests.average.toFixed(0)} records/s at ${CONNECTIONS} connections, ${publishSaturated.requests.average.toFixed(0)} at ${PUBLISH_CONNECTIONS}; ${publish.requests.total + publishSaturated.requests.total} published (target ≥ 1000 ${note}${verdict(best >= 1000)})`,
    )
    const ratio = read.requests.average / recordBaseline.requests.average
    const p50 = constantPolicy.latency.p50
    console.log(
      `policy engine per read: ${perRead.toFixed(1)} µs of decide() in process (memoised, ${DECIDE_FIELDS} fields) = ${p50 > 0 ? ((perRead / 1000 / p50) * 100).toFixed(2) : '–'}% of the read's p50 (${p50} ms; target < 5%); HTTP: ${(policyRead.requests.average / constantPolicy.requests.average).toFixed(3)} × the constant-policy read's throughput, p50 ${policyRead.latency.p50} vs ${p50} ms`,
    )
    console.log(
      `read/audited baseline throughput ratio: ${ratio.toFixed(3)} (target ≥ 0.50 ${note}${verdict(ratio >= 0.5)}); read/bare fetch (no auth): ${(readVsBare.requests.average / bare.requests.average).toFixed(3)}; read/authenticated fetch: ${(read.requests.average / fetchOnly.requests.average).toFixed(3)}`,
    )
  } finally {
    await stopGateway(gateway)
    await db.cleanup()
  }
}

runBench(main)
