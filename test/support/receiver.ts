// A webhook receiver on loopback for tests: records every request (headers and raw body) and answers
// from a script (status codes in order, then 204), optionally slowly.
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received {
  headers: Record<string, string>
  body: string
  at: number
}

export interface Receiver {
  url: string
  port: number
  received: Received[]
  /** Statuses for the next requests, in order; once used up, 204. */
  answer(...statuses: number[]): void
  /** Parsed bodies of what arrived. */
  messages(): Array<{ type: string; timestamp: string; data: { id: string; type: string; subject: string; data: any; createdAt: string } }>
  close(): Promise<void>
}

export async function startReceiver(path = '/hooks/icacn', opts: { delayMs?: number } = {}): Promise<Receiver> {
  const received: Received[] = []
  const script: number[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v
      const r: Received = { headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() }
      received.push(r)
      const status = script.shift() ?? 204
      const answer = () => {
        if (res.destroyed) return
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status >= 300 ? `refused with ${status}` : '')
      }
      if (opts.delayMs) setTimeout(answer, opts.delayMs)
      else answer()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}${path}`,
    port,
    received,
    answer: (...statuses) => void script.push(...statuses),
    messages: () => received.map((r) => JSON.parse(r.body)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
