// The metrics registry without a server: a tick batcher reports its queue depth and batch sizes
// through the observer hook, the pool is read at each scrape, and each app has its own registry.
import { describe, expect, it } from 'vitest'
import { nextTurn, tickBatcher } from '../../src/db/tick-batcher.js'
import { createMetrics } from '../../src/metrics/metrics.registry.js'

const series = async (metrics: ReturnType<typeof createMetrics>, name: string): Promise<string[]> =>
  (await metrics.registry.metrics()).split('\n').filter((l) => l.startsWith(name))

describe('metrics registry', () => {
  it('a batcher reports items queued in this turn, then an empty queue and the size of each batch sent', async () => {
    const metrics = createMetrics()
    const batcher = tickBatcher(async (items: readonly number[]) => items.map((i) => i * 2), {
      max: 4,
      observe: metrics.batcher('record-loader'),
    })
    const answers = Promise.all([1, 2, 3, 4, 5, 6].map((i) => batcher.push(i)))
    expect(await series(metrics, 'icacn_batcher_queued_items')).toEqual(['icacn_batcher_queued_items{batcher="record-loader"} 6'])
    expect(await answers).toEqual([2, 4, 6, 8, 10, 12])
    await nextTurn()
    expect(await series(metrics, 'icacn_batcher_queued_items')).toEqual(['icacn_batcher_queued_items{batcher="record-loader"} 0'])
    // Two statements: 4 items (max), then 2.
    expect(await series(metrics, 'icacn_batcher_batch_size_count')).toEqual(['icacn_batcher_batch_size_count{batcher="record-loader"} 2'])
    expect(await series(metrics, 'icacn_batcher_batch_size_sum')).toEqual(['icacn_batcher_batch_size_sum{batcher="record-loader"} 6'])
    expect(await series(metrics, 'icacn_batcher_batch_size_bucket{le="2"')).toEqual([
      'icacn_batcher_batch_size_bucket{le="2",batcher="record-loader"} 1',
    ])
  })

  it('reads the pool at each scrape', async () => {
    const metrics = createMetrics()
    let stats = { total: 1, idle: 1, waiting: 0, max: 10 }
    metrics.watchPool(() => stats)
    expect(await series(metrics, 'icacn_db_pool_connections ')).toEqual(['icacn_db_pool_connections 1'])
    stats = { total: 10, idle: 0, waiting: 7, max: 10 }
    expect(await series(metrics, 'icacn_db_pool_connections ')).toEqual(['icacn_db_pool_connections 10'])
    expect(await series(metrics, 'icacn_db_pool_idle_connections ')).toEqual(['icacn_db_pool_idle_connections 0'])
    expect(await series(metrics, 'icacn_db_pool_waiting_requests ')).toEqual(['icacn_db_pool_waiting_requests 7'])
    expect(await series(metrics, 'icacn_db_pool_max_connections ')).toEqual(['icacn_db_pool_max_connections 10'])
  })

  it('gives each app its own registry, with Node event-loop lag, and none in the global one', async () => {
    const a = createMetrics()
    const b = createMetrics()
    a.refusals.inc({ code: 'LOOKUP_QUOTA_EXCEEDED' })
    expect(await series(a, 'icacn_quota_refusals_total')).toEqual(['icacn_quota_refusals_total{code="LOOKUP_QUOTA_EXCEEDED"} 1'])
    expect(await series(b, 'icacn_quota_refusals_total')).toEqual([])
    expect(await series(b, 'nodejs_eventloop_lag_seconds ')).toHaveLength(1)
    const { register } = await import('prom-client')
    expect(await register.metrics()).not.toContain('icacn_')
  })
})
