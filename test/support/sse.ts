// A Server-Sent Events client for tests over real HTTP: parses blocks as WHATWG HTML §9.2.6 does (id,
// event, data, retry fields and comment lines), keeps everything received, and waits for what a test expects.
import http from 'node:http'

export interface SseBlock {
  id?: string
  event?: string
  data?: string
  retry?: string
  comments: string[]
}

export interface SseStream {
  status: number
  headers: Headers
  /** The body of a refusal (problem+json), read whole; undefined for a stream. */
  problem?: Record<string, unknown>
  blocks: SseBlock[]
  /** Every byte of the body received so far, as text. */
  raw(): string
  /** Messages with data (events), in order. */
  events(): Array<{ id: string; event: string; data: Record<string, unknown> }>
  /** Resolves once a block satisfies `match` (looking at those already received too), or rejects after `ms`. */
  until(match: (b: SseBlock) => boolean, ms?: number): Promise<SseBlock>
  /** Resolves when the server ends the stream. */
  ended: Promise<void>
  close(): void
}

function parse(block: string): SseBlock {
  const out: SseBlock = { comments: [] }
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) out.comments.push(line.slice(1).trim())
    else {
      const at = line.indexOf(':')
      const [field, value] = at < 0 ? [line, ''] : [line.slice(0, at), line.slice(at + 1).replace(/^ /, '')]
      if (field === 'id' || field === 'event' || field === 'retry') out[field] = value
      else if (field === 'data') out.data = out.data === undefined ? value : `${out.data}\n${value}`
    }
  }
  return out
}

/**
 * Opens a stream on its own connection (node:http, no agent), so a test's closed or refused streams
 * leave no pooled socket that would hold the server's close open.
 */
export async function openSse(base: string, token: string, o: { after?: string; lastEventId?: string } = {}): Promise<SseStream> {
  const url = new URL(`/v1/events/stream${o.after ? `?${new URLSearchParams({ after: o.after })}` : ''}`, base)
  const headers = {
    authorization: `Bearer ${token}`,
    accept: 'text/event-stream',
    ...(o.lastEventId ? { 'last-event-id': o.lastEventId } : {}),
  }
  const req = http.get(url, { headers, agent: false })
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => req.once('response', resolve).once('error', reject))
  const blocks: SseBlock[] = []
  const waiters = new Set<() => void>()
  let received = ''
  const stream: SseStream = {
    status: res.statusCode!,
    headers: new Headers(Object.entries(res.headers).map(([k, v]): [string, string] => [k, String(v)])),
    blocks,
    raw: () => received,
    events: () => blocks.filter((b) => b.data !== undefined).map((b) => ({ id: b.id!, event: b.event!, data: JSON.parse(b.data!) })),
    until(match, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = blocks.find(match)
          if (!found) return
          waiters.delete(check)
          clearTimeout(timer)
          resolve(found)
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`no such SSE block in ${ms} ms; received ${JSON.stringify(blocks).slice(0, 2000)}`))
        }, ms)
        waiters.add(check)
        check()
      })
    },
    ended: new Promise<void>((resolve) => res.once('close', resolve)),
    close: () => req.destroy(),
  }
  res.setEncoding('utf8')
  if (stream.status !== 200) {
    let text = ''
    for await (const chunk of res) text += chunk
    stream.problem = JSON.parse(text) as Record<string, unknown>
    return stream
  }
  let text = ''
  res.on('data', (chunk: string) => {
    received += chunk
    text += chunk
    for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
      blocks.push(parse(text.slice(0, end)))
      text = text.slice(end + 2)
    }
    for (const w of [...waiters]) w()
  })
  res.on('error', () => undefined)
  return stream
}
