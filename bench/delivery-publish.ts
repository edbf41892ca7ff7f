// The two publishers of bench/delivery.ts, both posting distinct pre-signed KR records: an open loop
// (one POST every 1/rate s whatever the answers) and autocannon's closed loop, each knowing exactly
// which records it published, so the bench knows how many deliveries to expect.
import type { Result } from 'autocannon'
import { presignRecords } from './fixtures.js'
import { load } from './gateway.js'
import { clock } from './receivers.js'

/** Pre-signed records and how many are used; the publisher's token (renewed after a restart). */
export interface Lane {
  base: string
  dataDir: string
  ids: string[]
  sdJwts: string[]
  next: number
  token: string
}

/** Signs more records until `spare` are unused (while no measurement runs: signing takes a core). */
export async function topUp(lane: Lane, spare: number): Promise<void> {
  const n = spare - (lane.ids.length - lane.next)
  if (n <= 0) return
  const { ids, sdJwts } = await presignRecords(lane.base, lane.dataDir, n)
  for (let i = 0; i < n; i++) lane.ids.push(ids[i]!), lane.sdJwts.push(sdJwts[i]!)
}

const postRecord = (lane: Lane, i: number) =>
  fetch(`${lane.base}/v1/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${lane.token}` },
    body: JSON.stringify({ sdJwt: lane.sdJwts[i] }),
  })

export interface OpenLoop {
  /** Record id → when its POST went out, and when its 201 came back (epoch ms), for records created. */
  sent: Map<string, { at: number; acked: number }>
  /** POSTs not answered 201, by status or error code. */
  refused: Record<string, number>
  from: number
  to: number
}

/** `n` POSTs, one every 1000/rate ms from now; a late timer sends every POST already due, so the rate holds. */
export async function openLoop(lane: Lane, n: number, rate: number): Promise<OpenLoop> {
  const sent = new Map<string, { at: number; acked: number }>()
  const posts: Promise<void>[] = []
  const refused: Record<string, number> = {}
  const first = lane.next
  const from = clock()
  const due = (k: number) => from + (k * 1000) / rate
  const post = (i: number) => {
    const at = clock()
    const refuse = (why: string) => void (refused[why] = (refused[why] ?? 0) + 1)
    return postRecord(lane, i).then(
      async (res) => {
        await res.arrayBuffer()
        if (res.status === 201) sent.set(lane.ids[i]!, { at, acked: clock() })
        else refuse(String(res.status))
      },
      // An overloaded gateway may not answer at all (undici gives up after 300 s): a figure, not a crash.
      (err: Error) => refuse((err.cause as { code?: string } | undefined)?.code ?? err.name),
    )
  }
  await new Promise<void>((done) => {
    const tick = () => {
      while (lane.next - first < n && clock() >= due(lane.next - first)) posts.push(post(lane.next++))
      if (lane.next - first < n) setTimeout(tick, Math.max(0, due(lane.next - first) - clock()))
      else done()
    }
    tick()
  })
  await Promise.all(posts)
  return { sent, refused, from, to: due(n) }
}

export interface ClosedLoop {
  /** Records created in this run (201), including those whose answer came after autocannon stopped. */
  ids: string[]
  rps: number
  p50: number
  p99: number
  from: number
  to: number
}

/**
 * Every request carries the next unused record, so each must be created (201). A request still in
 * flight when the duration ends may have published its record unseen: those are looked up by id.
 */
export async function closedLoop(lane: Lane, connections: number, seconds: number): Promise<ClosedLoop> {
  const issued: number[] = []
  const answered = new Map<number, number>()
  const from = clock()
  const result: Result = await load('publish', {
    url: lane.base,
    connections,
    duration: seconds,
    maxOverallRequests: lane.sdJwts.length - lane.next,
    requests: [
      {
        method: 'POST',
        path: '/v1/records',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${lane.token}` },
        setupRequest: (r, context) => {
          const i = lane.next++
          issued.push(i)
          ;(context as { i?: number }).i = i
          return { ...r, body: JSON.stringify({ sdJwt: lane.sdJwts[i] }) }
        },
        onResponse: (status, _body, context) => void answered.set((context as { i: number }).i, status),
      },
    ],
  })
  const to = clock()
  if (lane.next >= lane.sdJwts.length) throw new Error(`publish: all ${lane.sdJwts.length} pre-signed records used before ${seconds} s`)
  const statuses = Object.keys(result.statusCodeStats ?? {})
  if (statuses.some((s) => s !== '201')) throw new Error(`publish: expected only 201, got ${JSON.stringify(result.statusCodeStats)}`)
  const ids: string[] = []
  // Give a request cut off mid-flight time to commit (or not) before asking whether it did.
  if (issued.some((i) => !answered.has(i))) await new Promise((r) => setTimeout(r, 1000))
  for (const i of issued) {
    const id = lane.ids[i]!
    if (answered.has(i)) {
      if (answered.get(i) === 201) ids.push(id)
      continue
    }
    const res = await fetch(`${lane.base}/v1/records/KR/${id}`, { headers: { authorization: `Bearer ${lane.token}` } })
    await res.arrayBuffer()
    if (res.status === 200) ids.push(id)
  }
  return { ids, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, from, to }
}
