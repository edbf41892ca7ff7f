// `npm run bench:read`: the read scenario alone, for comparing two versions of the gateway in one
// session. One KR record is published; TH's redacted read is loaded against two baselines measured in
// the same run, alternated half by half: the bare fetch (fastify + the same pool reading the same row,
// no auth, no crypto, no policy, no audit) and the audited baseline (auth + audit, no crypto). Prints
// one JSON line. BENCH_PATHS=id targets a gateway whose routes still address records by id alone.
import type autocannon from 'autocannon'
import type { Result } from 'autocannon'
import { freePort, load as loadWith, runBench, startGateway, stopGateway } from './gateway.js'
import { freshDatabase } from '../test/support/database.js'
import { accessToken, PASSPORT, publishOneRecord } from './fixtures.js'

const DURATION_S = Number(process.env.BENCH_DURATION ?? 10)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)

const load = (name: string, opts: autocannon.Options): Promise<Result> =>
  loadWith(name, { connections: CONNECTIONS, duration: DURATION_S / (2 * ROUNDS), ...opts })

/** Several short runs of one scenario as one: mean throughput, the worst p50 and p99. */
function merge(rs: Result[]): { rps: number; p50: number; p99: number } {
  return {
    rps: rs.reduce((s, r) => s + r.requests.average, 0) / rs.length,
    p50: Math.max(...rs.map((r) => r.latency.p50)),
    p99: Math.max(...rs.map((r) => r.latency.p99)),
  }
}

async function main(): Promise<void> {
  const db = await freshDatabase()
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const { DATABASE_URL: _admin, ...rest } = process.env
  const gateway = await startGateway(
    { ...rest, ...db.env, ICACN_MODE: 'development', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    base,
  )
  try {
    const id = await publishOneRecord(base, db.dataDir)
    const R = process.env.BENCH_PATHS === 'id' ? id : `KR/${id}`
    const th = await accessToken(base, db.dataDir, 'TH', 'investigation')
    const auth = { authorization: `Bearer ${th}` }
    const check = await fetch(`${base}/v1/records/${R}`, { headers: auth })
    const text = await check.text()
    if (check.status !== 200 || text.includes(PASSPORT))
      throw new Error(`sanity read as TH: HTTP ${check.status}, passport ${text.includes(PASSPORT) ? 'present' : 'absent'}`)
    const runs = { bare: [] as Result[], baseline: [] as Result[], read: [] as Result[] }
    for (let i = 0; i < 2 * ROUNDS; i++) {
      runs.bare.push(await load('bare fetch', { url: `${base}/bench/bare/records/${R}` }))
      runs.read.push(await load('read', { url: `${base}/v1/records/${R}`, headers: auth }))
      runs.baseline.push(await load('audited baseline', { url: `${base}/bench/baseline/records/${R}`, headers: auth }))
      runs.read.push(await load('read', { url: `${base}/v1/records/${R}`, headers: auth }))
    }
    const [bare, baseline, read] = [merge(runs.bare), merge(runs.baseline), merge(runs.read)]
    console.log(
      JSON.stringify({
        engine: db.engine,
        connections: CONNECTIONS,
        bare,
        baseline,
        read,
        readOverBare: read.rps / bare.rps,
        readOverBaseline: read.rps / baseline.rps,
      }),
    )
  } finally {
    await stopGateway(gateway)
    await db.cleanup()
  }
}

runBench(main)
