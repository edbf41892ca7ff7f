// GraphQL subscriptions over WebSocket (graphql-transport-ws): recordShared, recordChanged, matchFound,
// accessRequestUpdated, each the caller's event stream (the same service as GET /v1/events/stream)
// filtered to its event types. The bearer token comes in connection_init; the socket is closed with
// 4403 when the token expires, the member is suspended or the key revoked, and 1001 at shutdown.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type WebSocket from 'ws'
import type { AppServices } from '../../app.js'
import type { Principal } from '../../auth/principal.js'
import { GraphQLError } from 'graphql'
import { errors, isAppError, toGraphQLExtensions } from '../../errors.js'
import { type EventStream, openEventStream } from '../../webhooks/event-stream.service.js'

/** What each subscription field streams. */
const FIELDS: Record<string, (type: string) => boolean> = {
  recordShared: (t) => t === 'record.shared',
  recordChanged: (t) => t === 'record.corrected' || t === 'record.withdrawn',
  matchFound: (t) => t === 'match.found',
  accessRequestUpdated: (t) => t.startsWith('access.'),
}

/** 4403 Forbidden (graphql-transport-ws), with the refusal's code as the reason. */
const FORBIDDEN = 4403
const GOING_AWAY = 1001

export interface SubscriptionContext {
  socket: WebSocket
  request: FastifyRequest
  _connectionInit?: { authorization?: unknown; token?: unknown } | null
}

/** The bearer token of connection_init: `{ authorization: "Bearer …" }` or `{ token: "…" }`. */
export function connectionToken(payload: SubscriptionContext['_connectionInit']): string | null {
  const auth = payload?.authorization
  if (typeof auth === 'string' && /^Bearer [A-Za-z0-9._~+/=-]+$/.test(auth)) return auth.slice(7)
  const token = payload?.token
  return typeof token === 'string' && /^[A-Za-z0-9._~+/=-]+$/.test(token) ? token : null
}

/**
 * Authenticates a token exactly as a request's Authorization header is (signature, lifetime, member
 * status, key state), on a view of the upgrade request that carries it.
 */
async function authenticateToken(app: FastifyInstance, upgrade: FastifyRequest, token: string): Promise<Principal> {
  const probe = Object.create(upgrade) as FastifyRequest
  probe.headers = { authorization: `Bearer ${token}` }
  await app.authenticate(probe)
  if (!probe.principal) throw errors.tokenMissing()
  return probe.principal
}

export function subscriptionResolvers(app: FastifyInstance, services: () => AppServices) {
  const field = (name: string) => ({
    subscribe: async function* (_: unknown, args: { after?: string | null }, ctx: SubscriptionContext) {
      const token = connectionToken(ctx._connectionInit)
      let p: Principal
      try {
        if (!token) throw errors.tokenMissing()
        p = await authenticateToken(app, ctx.request, token)
      } catch (e) {
        ctx.socket.close(FORBIDDEN, isAppError(e) ? e.code : 'FORBIDDEN')
        return
      }
      let stream: EventStream
      try {
        stream = await openEventStream(
          app.db,
          services,
          p,
          { after: args.after ?? null, from: 'query' },
          { recheck: async () => void (await authenticateToken(app, ctx.request, token)) },
        )
      } catch (e) {
        // A forged cursor or the stream cap: the operation's error message, with extensions.code as everywhere.
        if (isAppError(e)) throw new GraphQLError(e.message, { extensions: toGraphQLExtensions(e) })
        throw e
      }
      ctx.socket.once('close', () => stream.close())
      try {
        for await (const m of stream.messages) {
          if (m.kind === 'event' && FIELDS[name]!(m.event.type)) yield { [name]: { event: m.event, cursor: m.cursor } }
          if (m.kind === 'end') {
            ctx.socket.close(m.reason === 'NOT_READY' ? GOING_AWAY : FORBIDDEN, m.reason)
            return
          }
        }
      } finally {
        stream.close()
      }
    },
  })
  return { Subscription: Object.fromEntries(Object.keys(FIELDS).map((name) => [name, field(name)])) }
}
