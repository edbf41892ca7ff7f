// `npm run bench:delivery` (PostgreSQL only): webhook delivery from KR's publish to five loopback
// receivers, open loop at 100 records/s, then closed-loop publish throughput with the delivery worker
// running against the same gateway restarted with WEBHOOK_DELIVERY=false, alternated half by half.
import type { ChildProcess } from 'node:child_process'
import os from 'node:os'
import { freshDatabase } from '../test/support/database.js'
import { closedLoop, type Lane, openLoop, topUp } from './delivery-publish.js'
import { accessToken } from './fixtures.js'
import { freePort, runBench, startGateway, stopGateway } from './gateway.js'
import { clock, firstArrivals, quantile, startReceivers } from './receivers.js'

const MEMBERS = ['KR', 'TH', 'LA', 'VN', 'KH', 'PH'] as const
/** A KR record releasable to ALL raises record.shared for each other member. */
const FAN = MEMBERS.length - 1
const RATE = 100
const SECONDS = Number(process.env.BENCH_DELIVERY_SECONDS ?? 60)
const DRAIN_S = 30
/** Each mode is measured this long in all, in two alternated halves (as bench/run.ts alternates). */
const MODE_S = Number(process.env.BENCH_DURATION ?? 10)
const HALF_S = MODE_S / 2
const CONNECTIONS = Number(process.env.BENCH_PUBLISH_CONNECTIONS ?? 64)
/** Each closed-loop half runs on a fresh process, warmed by this much publishing first (not counted). */
const WARMUP_S = 3
/** How long a running half waits for the earlier backlog to be delivered before it is measured. */
const CATCH_UP_S = 300

const ms = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? Math.round(x) : null)
const loadAvg = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')
const secs = (t: number) => ((clock() - t) / 1000).toFixed(1)
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met')

async function main(): Promise<void> {
  if (!process.env.DATABASE_URL) {
    console.error(
      'bench:delivery needs PostgreSQL (the targets are for it): set DATABASE_URL, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:delivery',
    )
    process.exit(1)
  }
  const began = clock()
  const startLoad = loadAvg()
  const db = await freshDatabase()
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const { DATABASE_URL: _admin, ...rest } = process.env
  const env = { ...rest, ...db.env, ICACN_MODE: 'development', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' }
  const start = (delivery: boolean) => startGateway({ ...env, WEBHOOK_ALLOW_INSECURE: 'true', WEBHOOK_DELIVERY: String(delivery) }, base)
  let gateway: ChildProcess = await start(true)
  const receivers = await startReceivers(MEMBERS)
  try {
    for (const m of MEMBERS) {
      const admin = await accessToken(base, db.dataDir, m, undefined, ['admin'])
      const res = await fetch(`${base}/v1/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        body: JSON.stringify({ url: receivers.urls[m], purpose: 'investigation' }),
      })
      if (res.status !== 201) throw new Error(`subscribing ${m}: HTTP ${res.status} ${await res.text()}`)
    }
    const kr = () => accessToken(base, db.dataDir, 'KR', 'investigation')
    const lane: Lane = { base, dataDir: db.dataDir, ids: [], sdJwts: [], next: 0, token: await kr() }
    let t = clock()
    await topUp(lane, SECONDS * RATE + 5000)
    console.log(`pre-signed ${lane.ids.length} KR person records (releasable to ALL) in ${secs(t)} s`)
    console.log(
      `ICACN Exchange delivery bench — engine ${db.engine}, node ${process.version}, ${os.cpus().length} cores, load ${loadAvg()}`,
    )
    // Every record this run publishes goes here; every delivery names one of them.
    const published = new Set<string>()
    const catchUp = async (what: string) => {
      const c = clock()
      const backlog = FAN * published.size - receivers.delivered()
      const done = await waitFor(() => receivers.delivered() >= FAN * published.size, CATCH_UP_S)
      console.log(`  ${what}: ${backlog} deliveries ${done ? 'delivered' : 'NOT all delivered'} in ${secs(c)} s`)
    }

    // 1. Open loop at RATE, on a warmed gateway with nothing pending; after the last publish is
    // answered, deliveries are waited for DRAIN_S at most.
    for (const id of (await closedLoop(lane, 8, WARMUP_S)).ids) published.add(id)
    await catchUp('warm-up deliveries')
    await topUp(lane, SECONDS * RATE)
    t = clock()
    const progress = setInterval(() => console.log(`  ${secs(t)} s: ${receivers.arrivals.length} deliveries`), 10_000)
    const open = await openLoop(lane, SECONDS * RATE, RATE)
    const answeredAt = clock()
    for (const id of open.sent.keys()) published.add(id)
    const drained = await waitFor(() => receivers.delivered() >= FAN * published.size, DRAIN_S)
    clearInterval(progress)
    const { first, duplicated } = firstArrivals(receivers.arrivals.filter((a) => open.sent.has(a.record)))
    const arrivals = [...first.values()]
    const sorted = (xs: number[]) => xs.sort((a, b) => a - b)
    const lat = sorted(arrivals.map((a) => a.at - open.sent.get(a.record)!.at))
    const afterAck = sorted(arrivals.map((a) => a.at - open.sent.get(a.record)!.acked))
    const publishMs = sorted([...open.sent.values()].map((s) => s.acked - s.at))
    const windowS = (open.to - open.from) / 1000
    const inWindow = (at: number) => at >= open.from && at <= open.to
    const latency = {
      records: open.sent.size,
      refused: open.refused,
      expected: FAN * open.sent.size,
      received: first.size,
      duplicated,
      p50: ms(quantile(lat, 0.5)),
      p99: ms(quantile(lat, 0.99)),
      max: ms(lat.at(-1)),
      deliveriesPerSecond: Math.round(arrivals.filter((a) => inWindow(a.at)).length / windowS),
      ackToDelivery: { p50: ms(quantile(afterAck, 0.5)), p99: ms(quantile(afterAck, 0.99)) },
      publish: { p50: ms(quantile(publishMs, 0.5)), p99: ms(quantile(publishMs, 0.99)) },
      acceptedPerSecond: Math.round([...open.sent.values()].filter((s) => inWindow(s.acked)).length / windowS),
      lastAnsweredAfterS: Number(((answeredAt - open.from) / 1000).toFixed(1)),
      drained,
    }

    // 2. Closed loop, alternated; every half on a fresh process (delivery on or off), warmed first.
    const halves: Array<{ delivery: boolean; rps: number; p50: number; p99: number; perSecond: number; backlog: number }> = []
    let estimate = 2000
    for (const delivery of [true, false, true, false]) {
      await stopGateway(gateway)
      gateway = await start(delivery)
      lane.token = await kr()
      await topUp(lane, Math.ceil(1.5 * estimate * WARMUP_S) + 500)
      if (delivery) await catchUp('backlog before warm-up')
      const warm = await closedLoop(lane, CONNECTIONS, WARMUP_S)
      for (const id of warm.ids) published.add(id)
      estimate = Math.max(estimate, warm.rps)
      await topUp(lane, Math.ceil(1.5 * estimate * HALF_S) + 500)
      if (delivery) await catchUp('warm-up backlog')
      const before = receivers.arrivals.length
      const run = await closedLoop(lane, CONNECTIONS, HALF_S)
      for (const id of run.ids) published.add(id)
      estimate = Math.max(estimate, run.rps)
      const during = receivers.arrivals.slice(before).filter((a) => a.at >= run.from && a.at <= run.to).length
      const backlog = delivery ? FAN * published.size - receivers.delivered() : 0
      const perSecond = during / ((run.to - run.from) / 1000)
      halves.push({ delivery, rps: run.rps, p50: run.p50, p99: run.p99, perSecond, backlog })
      console.log(
        `  publish with delivery ${delivery ? 'running' : 'paused'}: ${run.rps.toFixed(0)} records/s, p50 ${run.p50} ms, p99 ${run.p99} ms, ${perSecond.toFixed(0)} deliveries/s`,
      )
    }
    // Halves as one: mean throughput, the worse of each latency percentile (as bench/run.ts merges).
    const merge = (delivery: boolean) => {
      const hs = halves.filter((h) => h.delivery === delivery)
      const mean = (f: (h: (typeof hs)[number]) => number) => Math.round(hs.reduce((s, h) => s + f(h), 0) / hs.length)
      return {
        recordsPerSecond: mean((h) => h.rps),
        p50: Math.max(...hs.map((h) => h.p50)),
        p99: Math.max(...hs.map((h) => h.p99)),
        deliveriesPerSecond: mean((h) => h.perSecond),
        backlogAtEnd: Math.max(...hs.map((h) => h.backlog)),
      }
    }
    const running = merge(true)
    const paused = merge(false)
    const ratio = running.recordsPerSecond / paused.recordsPerSecond

    console.log(`\ndelivery latency — ${RATE} records/s open loop for ${SECONDS} s, ${FAN} receivers a record`)
    console.log(
      `  publish sent → delivered        p50 ${latency.p50} ms  p99 ${latency.p99} ms  max ${latency.max} ms${drained ? '' : ` (of the ${latency.received} received)`}  (target p99 < 1000 ms: ${verdict(drained && (latency.p99 ?? Infinity) < 1000)})`,
    )
    console.log(`  publish answered → delivered    p50 ${latency.ackToDelivery.p50} ms  p99 ${latency.ackToDelivery.p99} ms`)
    console.log(
      `  deliveries                      ${latency.received} of ${latency.expected} expected${drained ? '' : ` (not all within ${DRAIN_S} s)`}, ${latency.deliveriesPerSecond}/s during the window, ${latency.duplicated} webhook-ids more than once`,
    )
    console.log(
      `  publish (open loop)             p50 ${latency.publish.p50} ms  p99 ${latency.publish.p99} ms, ${latency.acceptedPerSecond}/s answered during the window, last answered at ${latency.lastAnsweredAfterS} s, ${JSON.stringify(latency.refused)} not 201`,
    )
    console.log(
      `closed-loop publish — ${CONNECTIONS} connections, ${MODE_S} s each in alternated halves of ${HALF_S} s, a fresh process each`,
    )
    for (const [name, r] of [
      ['publish with delivery running', running],
      ['publish with delivery paused', paused],
    ] as const)
      console.log(
        `  ${name.padEnd(31)} ${String(r.recordsPerSecond).padStart(5)} records/s  p50 ${r.p50} ms  p99 ${r.p99} ms  ${r.deliveriesPerSecond} deliveries/s, backlog at end ${r.backlogAtEnd}`,
      )
    // A ratio met while deliveries fall behind only says the worker yielded: the backlog says which.
    const pace = running.backlogAtEnd === 0 ? 'delivery kept pace' : `delivery fell behind: ${running.backlogAtEnd} pending at a half's end`
    console.log(`  running ÷ paused                ${ratio.toFixed(3)} (target ≥ 0.80: ${verdict(ratio >= 0.8)}; ${pace})`)
    console.log(`load average ${startLoad} at start, ${loadAvg()} at end; ${secs(began)} s in all`)
    console.log(
      JSON.stringify({
        engine: db.engine,
        rate: RATE,
        seconds: SECONDS,
        connections: CONNECTIONS,
        delivery: latency,
        'publish with delivery running': running,
        'publish with delivery paused': paused,
        runningOverPaused: Number(ratio.toFixed(3)),
        loadAverage: { start: startLoad, end: loadAvg() },
      }),
    )
  } finally {
    await stopGateway(gateway)
    await receivers.close()
    await db.cleanup()
  }
}

/** Polls `done` every 100 ms for up to `seconds`; whether it came true. */
async function waitFor(done: () => boolean, seconds: number): Promise<boolean> {
  const until = clock() + seconds * 1000
  while (!done()) {
    if (clock() > until) return false
    await new Promise((r) => setTimeout(r, 100))
  }
  return true
}

runBench(main)
