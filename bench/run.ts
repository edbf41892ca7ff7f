// `npm run bench`: starts the gateway as its own process on loopback (embedded database, or
// PostgreSQL when DATABASE_URL is set) and loads it with autocannon from this process. Every
// scenario is reported against a baseline measured in the same run (ratios, p50, p99).
import autocannon, { type Result } from 'autocannon'
import { type ChildProcess, spawn } from 'node:child_process'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { loadDevMemberKey } from '../src/members/dev-keys.js'
import { signClientAssertion } from '../src/sdk/client-assertion.js'
import { freshDatabase } from '../test/support/database.js'

const ROOT = path.resolve(import.meta.dirname, '..')
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo
      s.close(() => resolve(port))
    })
  })
}

async function startGateway(env: NodeJS.ProcessEnv, base: string): Promise<ChildProcess> {
  const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['src/server.ts'], { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] })
  let exited = false
  child.once('exit', () => (exited = true))
  for (let i = 0; i < 240 && !exited; i++) {
    const ready = await fetch(`${base}/readyz`).then((r) => r.ok, () => false)
    if (ready) return child
    await new Promise((r) => setTimeout(r, 250))
  }
  child.kill('SIGKILL')
  throw new Error('gateway did not become ready within 60 s')
}

async function load(name: string, opts: autocannon.Options): Promise<Result> {
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION_S, ...opts })
  const bad = result.non2xx + result.errors + result.timeouts
  if (bad > 0) throw new Error(`${name}: ${bad} failed requests (non-2xx ${result.non2xx}, errors ${result.errors})`)
  return result
}

async function main(): Promise<void> {
  const db = await freshDatabase()
  const dataDir = db.dataDir
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const { DATABASE_URL: _admin, ...rest } = process.env
  const env: NodeJS.ProcessEnv = { ...rest, ...db.env, ICACN_MODE: 'development', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' }
  const gateway = await startGateway(env, base)
  try {
    const { kid, key } = await loadDevMemberKey(dataDir, 'TH')
    const sign = () => signClientAssertion({ member: 'TH', kid, key, audience: base, actor: 'bench', roles: ['analyst'], lifetimeSeconds: 300 })
    const tokenRes = await fetch(`${base}/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await sign() }) })
    const { access_token } = (await tokenRes.json()) as { access_token: string }
    // Pre-signed, single-use assertions: the load generator must not spend the cores on signing.
    const assertions = await Promise.all(Array.from({ length: 40_000 }, sign))
    let next = 0
    const form = (a: string) => new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: a }).toString()

    const engine = db.engine
    console.log(`ICACN Exchange bench — engine ${engine}, ${CONNECTIONS} connections, ${DURATION_S}s a scenario, node ${process.version}, ${os.cpus().length} cores`)
    const baseline = await load('baseline', { url: `${base}/healthz` })
    const members = await load('members', { url: `${base}/v1/members`, headers: { authorization: `Bearer ${access_token}` } })
    const tokens = await load('token', {
      url: base,
      maxOverallRequests: assertions.length,
      requests: [{ method: 'POST', path: '/v1/auth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, setupRequest: (r) => ({ ...r, body: form(assertions[next++ % assertions.length]!) }) }],
    })
    if (next > assertions.length) console.log(`note: ${next - assertions.length} token requests reused an assertion (replay refusals would have failed the run)`)

    const row = (name: string, r: Result) =>
      `${name.padEnd(44)} ${r.requests.average.toFixed(0).padStart(8)} req/s  p50 ${String(r.latency.p50).padStart(4)} ms  p99 ${String(r.latency.p99).padStart(4)} ms  ${(r.requests.average / baseline.requests.average).toFixed(3)} × baseline`
    console.log(row('baseline GET /healthz (no auth, no db)', baseline))
    console.log(row('GET /v1/members (bearer verify + db)', members))
    console.log(row('POST /v1/auth/token (assertion → token)', tokens))
  } finally {
    gateway.kill('SIGTERM')
    await new Promise((r) => gateway.once('exit', r))
    await db.cleanup()
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${(err as Error).stack ?? err}`)
  process.exit(1)
})
