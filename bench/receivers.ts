// Loopback webhook receivers for bench/delivery.ts: one node:http server per member answering 204 at
// once and remembering only when each delivery arrived, which record it names and its webhook-id.
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Arrival {
  member: string
  record: string
  webhookId: string
  /** Epoch milliseconds, sub-millisecond: the same clock the publisher's send times use. */
  at: number
}

export interface Receivers {
  urls: Record<string, string>
  arrivals: Arrival[]
  /** Distinct (member, record) pairs delivered so far, duplicates counted once. */
  delivered(): number
  close(): Promise<void>
}

/** Now on the epoch clock, finer than Date.now(). */
export const clock = (): number => performance.timeOrigin + performance.now()

export async function startReceivers(members: readonly string[]): Promise<Receivers> {
  const arrivals: Arrival[] = []
  const pairs = new Set<string>()
  const servers: http.Server[] = []
  const urls: Record<string, string> = {}
  for (const member of members) {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const at = clock()
        // Answered before parsing: the gateway's send time should not include this process's bookkeeping.
        res.writeHead(204).end()
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: { subject?: string } }
        const subject = body.data?.subject ?? ''
        const record = subject.startsWith('record:KR:') ? subject.slice('record:KR:'.length) : subject
        arrivals.push({ member, record, webhookId: String(req.headers['webhook-id'] ?? ''), at })
        pairs.add(`${member}|${record}`)
      })
    })
    server.keepAliveTimeout = 30_000
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    servers.push(server)
    urls[member] = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/icacn`
  }
  return {
    urls,
    arrivals,
    delivered: () => pairs.size,
    close: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.closeAllConnections()
              s.close(() => resolve())
            }),
        ),
      )
    },
  }
}

/** The q-quantile of ascending `sorted` (nearest rank), or NaN when empty. */
export const quantile = (sorted: readonly number[], q: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!

/** Delivered (member, record) pairs among `arrivals`, first arrival each, and how many webhook-ids came more than once. */
export function firstArrivals(arrivals: readonly Arrival[]): { first: Map<string, Arrival>; duplicated: number } {
  const first = new Map<string, Arrival>()
  const seen = new Map<string, number>()
  for (const a of arrivals) {
    const key = `${a.member}|${a.record}`
    const prev = first.get(key)
    if (!prev || a.at < prev.at) first.set(key, a)
    const id = `${a.member}|${a.webhookId}`
    seen.set(id, (seen.get(id) ?? 0) + 1)
  }
  return { first, duplicated: [...seen.values()].filter((n) => n > 1).length }
}
