// GET /v1/events/stream: the caller's event feed as Server-Sent Events. Adapts the stream service's
// messages to SSE on a stream that fastify pipes out (so onSend hooks, x-request-id among them, still
// run) and ends it when the client goes away; what is sent and when it ends is decided in the service.
import { PassThrough } from 'node:stream'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { AppServices } from '../../app.js'
import { principalOf } from '../../auth/plugin.js'
import { type EventStream, openEventStream, type StreamMessage } from '../../webhooks/event-stream.service.js'
import type { Contract } from '../contract.js'

export interface EventStreamRouteOptions {
  contract: Contract
  deps: () => AppServices
}

/** How long a client EventSource waits before reconnecting (the SSE `retry` field). */
const RETRY_MS = 2000
/** At shutdown, a connection that has not taken its last bytes by then is cut. */
const SHUTDOWN_GRACE_MS = 1000

function sse(m: StreamMessage): string {
  switch (m.kind) {
    case 'event':
      // JSON escapes CR and LF, and cursors are base64url: no field can break a line (WHATWG HTML §9.2.6).
      return `id: ${m.cursor}\nevent: ${m.event.type}\ndata: ${JSON.stringify(m.event)}\n\n`
    case 'keep-alive':
      return ': keep-alive\n\n'
    case 'end':
      return `: closed: ${m.reason}\n\n`
  }
}

/** Writes the messages with backpressure until they end or the client goes away, then ends the body. */
async function pump(stream: EventStream, body: PassThrough, log: FastifyBaseLogger): Promise<void> {
  const writable = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        body.off('drain', done).off('close', done)
        resolve()
      }
      body.on('drain', done).on('close', done)
    })
  try {
    for await (const m of stream.messages) {
      if (body.destroyed) break
      if (!body.write(sse(m))) await writable()
      if (m.kind === 'end') break
    }
  } catch (err) {
    log.warn({ err }, 'event stream failed; the client resumes from its last event id')
    if (!body.destroyed) body.write(sse({ kind: 'end', reason: 'INTERNAL' }))
  } finally {
    stream.close()
    body.end()
  }
}

export default async function eventStreamRoutes(app: FastifyInstance, opts: EventStreamRouteOptions): Promise<void> {
  const { contract, deps } = opts
  app.route<{ Querystring: { after?: string } }>({
    ...contract.route('streamEvents'),
    handler: async (request, reply) => {
      // An EventSource reconnects to the same URL with Last-Event-ID: the header is the newer position, so it wins.
      const header = request.headers['last-event-id']
      const fromHeader = typeof header === 'string' && header !== ''
      const body = new PassThrough()
      const stream = await openEventStream(
        app.db,
        deps,
        principalOf(request),
        { after: fromHeader ? header : (request.query.after ?? null), from: fromHeader ? 'header' : 'query' },
        {
          recheck: () => app.authenticate(request),
          onShutdown: () => setTimeout(() => reply.raw.writableFinished || reply.raw.destroy(), SHUTDOWN_GRACE_MS).unref(),
        },
      )
      // 'finish' too: a HEAD request, or a client that has gone, ends the response without a 'close' on the body.
      const gone = () => stream.close()
      reply.raw.once('close', gone).once('finish', gone)
      body.once('close', gone)
      body.write(`retry: ${RETRY_MS}\n\n`)
      void pump(stream, body, request.log)
      return reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('x-accel-buffering', 'no')
        .send(body)
    },
  })
}
