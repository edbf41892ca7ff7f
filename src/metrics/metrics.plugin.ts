// Feeds the metrics from every response, in hooks on the root (global, so every route and the 404
// handler are counted): labels are the route template, method and status, never anything a caller
// sent, so the series cannot show which member asked for which record or selector.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Database } from '../db/database.js'
import type { Metrics } from './metrics.registry.js'

export interface MetricsPluginOptions {
  metrics: Metrics
  database: Pick<Database, 'poolStats'>
}

// The GraphQL endpoint is one route: operation names are chosen by callers and could carry anything
// (a selector, a record id), so they are never a label. Its refusals are found in its answer below.
const GRAPHQL = '/graphql'
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
/** Quota refusals counted, by the problem code of the answer (REST problem+json or GraphQL extensions). */
export const QUOTA_CODES = ['LOOKUP_QUOTA_EXCEEDED', 'PUBLISH_QUOTA_EXCEEDED'] as const

/** A request matching no route is `unmatched`: its raw URL could hold anything. `::` is fastify's escaped `:`. */
export const routeLabel = (request: FastifyRequest): string => request.routeOptions.url?.replaceAll('::', ':') ?? 'unmatched'

async function metricsPlugin(app: FastifyInstance, opts: MetricsPluginOptions): Promise<void> {
  const { metrics } = opts
  metrics.watchPool(() => opts.database.poolStats())

  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    // A REST refusal is a 429 problem; a GraphQL one is an error's extensions in its answer (one
    // count per answer). Only these answers are searched, as text: nothing is parsed again.
    if (typeof payload !== 'string') return payload
    const marker = reply.statusCode === 429 ? '"code":"' : request.routeOptions.url === GRAPHQL ? '"extensions":{"code":"' : null
    if (marker) for (const code of QUOTA_CODES) if (payload.includes(`${marker}${code}"`)) metrics.refusals.inc({ code })
    return payload
  })

  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const labels = {
      method: METHODS.has(request.method) ? request.method : 'other',
      route: routeLabel(request),
      status: String(reply.statusCode),
    }
    metrics.requests.inc(labels)
    metrics.duration.observe(labels, reply.elapsedTime / 1000)
  })
}

export default fp(metricsPlugin, { name: 'icacn-metrics' })
