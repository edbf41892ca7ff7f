// Prometheus metrics of the real process on their own port: request series by route template and
// status, quota refusals by code (REST and GraphQL), the pool, event-loop lag; nothing a member asked
// for (record id, selector, member) in any label; 127.0.0.1 by default; nothing at /metrics on the API port.
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshDatabase, type FreshDatabase } from '../support/database.js'
import { freePort, type Gateway, gatewayEnv, listeningAddresses, runCli, startGateway, stopGateway } from '../support/process.js'

const PHONE = '+66 81 734 2956'
const PHONE_E164 = '+66817342956'
const MEMBERS = ['KR', 'TH', 'LA', 'VN', 'KH', 'PH']

let db: FreshDatabase
let gateway: Gateway
let env: NodeJS.ProcessEnv
let api: string
let metricsPort: number
let tmp: string
let recordId: string
let exposition: string
const statuses: Record<string, unknown> = {}

/** Issues and publishes a KR person record carrying `phones`; the CLI's exit status and output. */
function publish(name: string, phones: string[]) {
  const file = path.join(tmp, `${name}.json`)
  fs.writeFileSync(
    file,
    JSON.stringify({
      type: 'person',
      marking: 'AMBER',
      grading: 'B2',
      body: { names: [{ native: '최서진', latin: 'CHOI Seo-jin', script: 'Hang' }], phones: phones.map((number) => ({ number })) },
    }),
  )
  const issued = runCli(env, ['issue', '--member', 'KR', '--file', file, '--out', `${file}.sdjwt`])
  expect(issued.status, issued.stderr).toBe(0)
  return runCli(env, ['publish', '--member', 'KR', '--file', `${file}.sdjwt`])
}

beforeAll(async () => {
  db = await freshDatabase()
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'icacn-metrics-'))
  const port = await freePort()
  metricsPort = await freePort()
  api = `http://127.0.0.1:${port}`
  env = { ...gatewayEnv(db, port), METRICS_PORT: String(metricsPort), LEAD_LOOKUPS_PER_DAY: '2', PUBLISH_SELECTORS_PER_DAY: '2' }
  gateway = await startGateway(env)

  const first = publish('first', [PHONE])
  expect(first.status, first.stderr).toBe(0)
  recordId = (JSON.parse(first.stdout) as { record: { id: string } }).record.id
  // Two more new identifiers pass the publish quota of 2: refused whole with 429.
  const second = publish('second', ['+66 81 900 1122', '+66 81 900 3344'])
  expect(second.status).toBe(1)
  expect(second.stderr).toContain('publish-quota-exceeded')

  const token = runCli(env, ['token', '--member', 'TH', '--role', 'analyst', '--purpose', 'investigation']).stdout.trim()
  const get = async (url: string, init: RequestInit = {}) =>
    (
      await fetch(`${api}${url}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
      })
    ).status
  statuses.read = await get(`/v1/records/KR/${recordId}`)
  statuses.missing = await get(`/v1/records/KR/${randomUUID()}`)
  statuses.searches = [
    await get(`/v1/leads?selector=${encodeURIComponent(PHONE_E164)}`),
    await get(`/v1/leads?selector=${encodeURIComponent(PHONE_E164)}`),
  ]
  statuses.overQuota = await get(`/v1/leads?selector=${encodeURIComponent(PHONE_E164)}`)
  const graphql = await fetch(`${api}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      query: `query CheckPhone${recordId.replaceAll('-', '')} { leadLookup(selectors: [{ selector: "${PHONE_E164}" }]) { hit } }`,
    }),
  })
  statuses.graphql = graphql.status
  statuses.graphqlCode = ((await graphql.json()) as { errors?: Array<{ extensions: { code: string } }> }).errors?.[0]?.extensions.code
  statuses.metricsOnApi = (await fetch(`${api}/metrics`)).status
  const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
  expect(scrape.status).toBe(200)
  expect(scrape.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  exposition = await scrape.text()
})

afterAll(async () => {
  if (gateway) await stopGateway(gateway)
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
  await db?.cleanup()
})

const sample = (name: string, labels: string): number | undefined => {
  const line = exposition.split('\n').find((l) => l.startsWith(`${name}{${labels}} `))
  return line === undefined ? undefined : Number(line.split(' ').pop())
}

describe('metrics', () => {
  it('made the requests it measures: a read, a 404, two searches, a REST and a GraphQL quota refusal', () => {
    expect(statuses).toEqual({
      read: 200,
      missing: 404,
      searches: [200, 200],
      overQuota: 429,
      graphql: 200,
      graphqlCode: 'LOOKUP_QUOTA_EXCEEDED',
      metricsOnApi: 404,
    })
  })

  it('counts requests and latencies by route template and status', () => {
    expect(sample('icacn_http_requests_total', 'method="GET",route="/v1/records/:originator/:id",status="200"')).toBe(1)
    expect(sample('icacn_http_requests_total', 'method="GET",route="/v1/records/:originator/:id",status="404"')).toBe(1)
    expect(sample('icacn_http_requests_total', 'method="GET",route="/v1/leads",status="200"')).toBe(2)
    expect(sample('icacn_http_requests_total', 'method="GET",route="/v1/leads",status="429"')).toBe(1)
    expect(sample('icacn_http_requests_total', 'method="POST",route="/v1/records",status="429"')).toBe(1)
    expect(sample('icacn_http_requests_total', 'method="POST",route="/graphql",status="200"')).toBe(1)
    expect(sample('icacn_http_requests_total', 'method="GET",route="unmatched",status="404"')).toBe(1)
    expect(sample('icacn_http_request_duration_seconds_count', 'method="GET",route="/v1/records/:originator/:id",status="200"')).toBe(1)
    expect(sample('icacn_http_request_duration_seconds_bucket', 'le="+Inf",method="GET",route="/v1/leads",status="200"')).toBe(2)
  })

  it('counts quota refusals by problem code, over REST and GraphQL', () => {
    expect(sample('icacn_quota_refusals_total', 'code="LOOKUP_QUOTA_EXCEEDED"')).toBe(2)
    expect(sample('icacn_quota_refusals_total', 'code="PUBLISH_QUOTA_EXCEEDED"')).toBe(1)
  })

  it('reports the database pool and Node event-loop lag', () => {
    const engineMax = db.engine === 'embedded' ? 1 : 10
    expect(exposition).toContain(`icacn_db_pool_max_connections ${engineMax}\n`)
    expect(exposition).toMatch(/^icacn_db_pool_connections [1-9]\d*$/m)
    expect(exposition).toMatch(/^icacn_db_pool_waiting_requests \d+$/m)
    expect(exposition).toMatch(/^nodejs_eventloop_lag_seconds [\d.e-]+$/m)
  })

  it('reports each batcher that ran: its queue depth and the sizes of its batches', () => {
    // The requests above ran every batcher on a read, a search, a lookup and a publish path.
    for (const name of ['auth-state', 'record-loader', 'audit-writer', 'lead-index-selector', 'selector-class-state']) {
      expect(exposition, name).toContain(`icacn_batcher_queued_items{batcher="${name}"} 0\n`)
      expect(exposition, name).toMatch(new RegExp(`^icacn_batcher_batch_size_count\\{batcher="${name}"\\} [1-9]\\d*$`, 'm'))
    }
  })

  it('labels nothing a member asked for: no record id, selector, member code or operation name', () => {
    for (const secret of [recordId, recordId.replaceAll('-', ''), PHONE_E164, '66817342956', 'CheckPhone', 'investigation'])
      expect(exposition).not.toContain(secret)
    const values = [...exposition.matchAll(/(\w+)="([^"]*)"/g)].map((m) => m[2]!)
    expect(values.length).toBeGreaterThan(50)
    for (const v of values) {
      expect(MEMBERS).not.toContain(v)
      expect(v).not.toMatch(/\/(KR|TH|LA|VN|KH|PH)(\/|$)/)
    }
  })

  it('listens for metrics on 127.0.0.1 only, by default, and not on the API port', () => {
    expect(listeningAddresses(metricsPort)).toEqual(['127.0.0.1'])
    expect(gateway.logs()).toContain(`"metrics at http://127.0.0.1:${metricsPort}/metrics"`)
    expect(statuses.metricsOnApi).toBe(404)
  })
})
