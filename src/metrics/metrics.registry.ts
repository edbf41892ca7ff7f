// The gateway's Prometheus metrics: one registry per app (never prom-client's global one), holding
// request counts and latencies by route template, quota refusals by problem code, the database pool,
// batcher queues, and Node's default process metrics (event-loop lag among them).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { PoolStats } from '../db/database.js'
import type { BatchObserver } from '../db/tick-batcher.js'

export type HttpLabels = 'method' | 'route' | 'status'

export interface Metrics {
  readonly registry: Registry
  readonly requests: Counter<HttpLabels>
  readonly duration: Histogram<HttpLabels>
  readonly refusals: Counter<'code'>
  /** The observer to give a tick batcher, reporting under `name` (a fixed name in code, never data). */
  batcher(name: string): BatchObserver
  /** Reports the pool through `stats`, read at each scrape. Call once per app. */
  watchPool(stats: () => PoolStats): void
}

export function createMetrics(): Metrics {
  const registry = new Registry()
  const registers = [registry]
  collectDefaultMetrics({ register: registry })
  const requests = new Counter<HttpLabels>({
    name: 'icacn_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    registers,
  })
  const duration = new Histogram<HttpLabels>({
    name: 'icacn_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  })
  const refusals = new Counter<'code'>({
    name: 'icacn_quota_refusals_total',
    help: 'Requests refused by a daily quota, by problem code',
    labelNames: ['code'],
    registers,
  })
  const queued = new Gauge<'batcher'>({
    name: 'icacn_batcher_queued_items',
    help: 'Items waiting for the next batch statement, by batcher',
    labelNames: ['batcher'],
    registers,
  })
  const batchSize = new Histogram<'batcher'>({
    name: 'icacn_batcher_batch_size',
    help: 'Items sent in one batch statement, by batcher',
    labelNames: ['batcher'],
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024],
    registers,
  })

  return {
    registry,
    requests,
    duration,
    refusals,
    batcher: (name) => ({
      queued: (depth) => queued.set({ batcher: name }, depth),
      sent: (size) => batchSize.observe({ batcher: name }, size),
    }),
    watchPool(stats) {
      const gauge = (name: string, help: string, read: (s: PoolStats) => number) =>
        new Gauge({
          name,
          help,
          registers,
          collect() {
            this.set(read(stats()))
          },
        })
      gauge('icacn_db_pool_connections', 'Database connections open (in use or idle)', (s) => s.total)
      gauge('icacn_db_pool_idle_connections', 'Database connections open and idle', (s) => s.idle)
      gauge('icacn_db_pool_waiting_requests', 'Queries waiting for a database connection', (s) => s.waiting)
      gauge('icacn_db_pool_max_connections', 'Most connections the pool opens (1 on the embedded database)', (s) => s.max)
    },
  }
}
