// `npm run bench:leads` (also the second part of `npm run bench`): lead search over a growing index.
// One real KR person record is published, then copied in bulk (new ids, one passport selector each)
// to the sizes asked; at each size VN (named on the passport field) runs single-selector searches
// (presented like reads) and batch lookups of 1,000 selectors, half of them hits. The copies carry
// the template's signed bytes, so the presentation work is real; their SD-JWT ids are not their own.
import type { Result } from 'autocannon'
import os from 'node:os'
import { freshDatabase } from '../test/support/database.js'
import { accessToken, publishOneRecord } from './fixtures.js'
import { freePort, load, runBench, startGateway, stopGateway } from './gateway.js'

const DURATION_S = Number(process.env.BENCH_DURATION ?? 10)
const BATCHES = Number(process.env.BENCH_LOOKUP_BATCHES ?? 40)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)

const passport = (i: number) => `KOR:M${String(i).padStart(8, '0')}`

async function main(): Promise<void> {
  const db = await freshDatabase()
  const engine = db.engine
  const sizes = (process.env.BENCH_LEAD_SIZES ?? (engine === 'postgres' ? '10000,1000000' : '10000,100000')).split(',').map(Number)
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const { DATABASE_URL: _admin, ...rest } = process.env
  const env: NodeJS.ProcessEnv = {
    ...rest,
    ...db.env,
    ICACN_MODE: 'development',
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    LEAD_LOOKUPS_PER_DAY: '100000000',
  }
  const gateway = await startGateway(env, base)
  try {
    const id = await publishOneRecord(base, db.dataDir)
    const vn = await accessToken(base, db.dataDir, 'VN', 'investigation')
    const auth = { authorization: `Bearer ${vn}`, 'content-type': 'application/json' }
    console.log(
      `ICACN Exchange lead bench — engine ${engine}, sizes ${sizes.join(', ')}, node ${process.version}, ${os.cpus().length} cores`,
    )

    const rows: Array<{
      size: number
      read: Result
      single: Result
      four: Result
      one: Result
      batch: { p50: number; p99: number; hits: number }
    }> = []
    let seeded = 0
    for (const size of sizes) {
      const t0 = performance.now()
      const seed = await fetch(`${base}/bench/seed-leads`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ template: id, from: seeded + 1, to: size }),
      })
      if (!seed.ok) throw new Error(`seeding to ${size}: HTTP ${seed.status} ${await seed.text()}`)
      console.log(`seeded ${size - seeded} records and selectors in ${((performance.now() - t0) / 1000).toFixed(1)} s (total ${size})`)
      seeded = size
      // Sanity: a seeded passport is found, as a presentation; an absent one is not.
      const found = (await (await fetch(`${base}/v1/leads?kind=passport&selector=${passport(size)}`, { headers: auth })).json()) as {
        edges: unknown[]
      }
      if (found.edges.length !== 1) throw new Error(`search for a seeded passport at ${size}: ${JSON.stringify(found).slice(0, 300)}`)

      // Baseline in the same run: a read of one record by id (same token, same presentation work).
      const read = await load('read baseline', {
        url: `${base}/v1/records/KR/${id}`,
        duration: DURATION_S,
        connections: CONNECTIONS,
        headers: auth,
      })
      const searches = (connections: number) =>
        load('single lookup', {
          url: base,
          duration: DURATION_S,
          connections,
          requests: [
            {
              method: 'GET',
              headers: auth,
              setupRequest: (r) => ({ ...r, path: `/v1/leads?kind=passport&selector=${passport(1 + Math.floor(Math.random() * size))}` }),
            },
          ],
        })
      // Closed loops at 10, 4 and 1 connections: saturated, the latency then is connections /
      // throughput; fewer connections show latency with headroom. (autocannon's rate limiting sends
      // in bursts each second and "corrects" latencies against a 1 ms interval: not used.)
      const single = await searches(CONNECTIONS)
      const four = await searches(4)
      const one = await searches(1)
      // Batch lookups one at a time (latency per batch), 500 seeded and 500 absent selectors each.
      const times: number[] = []
      let hits = 0
      for (let b = 0; b < BATCHES; b++) {
        const selectors = Array.from({ length: 1000 }, (_, i) => ({
          kind: 'passport',
          selector: i % 2 ? passport(1 + Math.floor(Math.random() * size)) : passport(size + 1 + b * 1000 + i),
        }))
        const t = performance.now()
        const res = await fetch(`${base}/v1/leads:lookup`, { method: 'POST', headers: auth, body: JSON.stringify({ selectors }) })
        const body = (await res.json()) as { results: Array<{ hit?: boolean }> }
        times.push(performance.now() - t)
        if (res.status !== 200) throw new Error(`batch lookup: HTTP ${res.status} ${JSON.stringify(body).slice(0, 300)}`)
        hits += body.results.filter((r) => r.hit).length
      }
      times.sort((a, b) => a - b)
      const pct = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!
      rows.push({ size, read, single, four, one, batch: { p50: pct(0.5), p99: pct(0.99), hits: hits / BATCHES } })
    }

    const lat = (r: Result) => `${r.requests.average.toFixed(0).padStart(5)} req/s p50 ${r.latency.p50} ms p99 ${r.latency.p99} ms`
    for (const { size, read, single, four, one, batch } of rows) {
      console.log(`${String(size).padStart(9)} records:`)
      console.log(`  read by id, baseline (${CONNECTIONS} conn.)  ${lat(read)}`)
      console.log(
        `  single lookup, saturated (${CONNECTIONS} conn.) ${lat(single)}  (search / read throughput ${(single.requests.average / read.requests.average).toFixed(2)})`,
      )
      console.log(`  single lookup, 4 connections   ${lat(four)}`)
      console.log(`  single lookup, 1 connection    ${lat(one)}`)
      console.log(
        `  batch of 1,000 (one at a time) p50 ${batch.p50.toFixed(1)} ms p99 ${batch.p99.toFixed(1)} ms (${batch.hits} hits a batch)`,
      )
    }
    const [small, large] = [rows[0]!, rows.at(-1)!]
    const note = engine === 'postgres' ? '' : ' (embedded: reported without a target)'
    const verdict = (ok: boolean) => (engine === 'postgres' ? (ok ? ' met' : ' NOT met') : '')
    for (const [how, r] of [
      [`${CONNECTIONS} connections`, large.single],
      ['4 connections', large.four],
      ['1 connection', large.one],
    ] as const) {
      console.log(`single lookup p99 at ${large.size}, ${how}: ${r.latency.p99} ms (target < 10 ms${verdict(r.latency.p99 < 10)})${note}`)
    }
    console.log(
      `batch of 1,000 at ${large.size}: p99 ${large.batch.p99.toFixed(1)} ms (target < 200 ms${verdict(large.batch.p99 < 200)})${note}`,
    )
    const growth = (a: number, b: number) => (a > 0 ? (b / a).toFixed(2) : '–')
    console.log(
      `flatness ${small.size} → ${large.size}: single p50 × ${growth(small.single.latency.p50, large.single.latency.p50)}, p99 × ${growth(small.single.latency.p99, large.single.latency.p99)}; batch p50 × ${growth(small.batch.p50, large.batch.p50)} (target within 2×)`,
    )
  } finally {
    await stopGateway(gateway)
    await db.cleanup()
  }
}

runBench(main)
