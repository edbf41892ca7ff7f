// A graphql-transport-ws client for tests (the ws package; Node 20 has no WebSocket client): connect
// with connection_init, subscribe, and wait for `next` messages or the socket's close.
import { expect } from 'vitest'
import WebSocket from 'ws'

export interface GraphqlWsClient {
  ws: WebSocket
  /** Every message received, parsed, in order. */
  messages: any[]
  /** Every frame received, as sent (for byte-level leak checks). */
  raw: string[]
  closed: Promise<{ code: number; reason: string }>
  subscribe(id: string, query: string, variables?: Record<string, unknown>): void
  /** The data of the first `n` `next` messages of operation `id`, waiting for them. */
  next(id: string, n?: number, timeout?: number): Promise<any[]>
  close(): void
}

/** `url` is ws://host:port/graphql; `payload` is connection_init's, e.g. { authorization: 'Bearer …' }. */
export async function connectGraphqlWs(url: string, payload: unknown): Promise<GraphqlWsClient> {
  const ws = new WebSocket(url, 'graphql-transport-ws')
  const messages: any[] = []
  const raw: string[] = []
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  ws.on('message', (m) => {
    raw.push(m.toString())
    messages.push(JSON.parse(m.toString()))
  })
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  ws.send(JSON.stringify({ type: 'connection_init', payload }))
  const nexts = (id: string) => messages.filter((m) => m.id === id && m.type === 'next')
  return {
    ws,
    messages,
    raw,
    closed,
    subscribe: (id, query, variables = {}) => ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } })),
    async next(id, n = 1, timeout = 10_000) {
      await expect.poll(() => nexts(id).length, { timeout }).toBeGreaterThanOrEqual(n)
      return nexts(id).map((m) => m.payload.data)
    },
    close: () => ws.close(),
  }
}
