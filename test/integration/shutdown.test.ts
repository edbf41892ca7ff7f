// Graceful shutdown: closing the app lets an in-flight request finish, refuses new work, and then
// closes the database (and on the embedded engine releases the DATA_DIR lock); an open event stream
// is ended first, so it does not hold SIGTERM up.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { freshDatabase, type FreshDatabase } from '../support/database.js'
import { freePort, gatewayEnv, runCli, startGateway } from '../support/process.js'
import { openSse } from '../support/sse.js'

let db: FreshDatabase | undefined
let streamDb: FreshDatabase | undefined
afterAll(async () => {
  await db?.cleanup()
  await streamDb?.cleanup()
})

describe('graceful shutdown', () => {
  it('finishes an in-flight request before closing the database', async () => {
    db = await freshDatabase()
    const app = await buildApp(loadConfig({ ...db.env, LOG_LEVEL: 'silent', GATEWAY_AUDIENCE: 'https://exchange.icacn.test' }))
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    let entered!: () => void
    const inside = new Promise<void>((r) => (entered = r))
    // a test-only route that holds the request open and then uses the database
    app.get('/test/slow', async () => {
      entered()
      await gate
      const n = await app.db.selectFrom('members').select('code').execute()
      return { members: n.length }
    })
    const address = await app.listen({ host: '127.0.0.1', port: 0 })

    const inFlight = fetch(`${address}/test/slow`)
    await inside
    let closed = false
    const closing = app.close().then(() => (closed = true))
    await new Promise((r) => setTimeout(r, 100))
    expect(closed).toBe(false)
    release()
    const res = await inFlight
    expect(res.status).toBe(200)
    expect(res.headers.get('connection')).toBe('close')
    expect(await res.json()).toEqual({ members: 6 })
    await closing
    expect(closed).toBe(true)
    await expect(fetch(`${address}/healthz`)).rejects.toThrow()
    if (db.engine === 'embedded') expect(fs.existsSync(path.join(db.dataDir, '.lock'))).toBe(false)
  })

  it('an open event stream does not hold up SIGTERM: it is ended first and the process exits at once', async () => {
    streamDb = await freshDatabase()
    const port = await freePort()
    // A long force timeout: exiting 0 well before it means the stream was ended, not cut off.
    const env = { ...gatewayEnv(streamDb, port), SHUTDOWN_TIMEOUT_MS: '30000' }
    const gateway = await startGateway(env)
    try {
      const token = runCli(env, ['token', '--member', 'TH', '--role', 'analyst'])
      expect(token.status, token.stderr).toBe(0)
      const stream = await openSse(`http://127.0.0.1:${port}`, token.stdout.trim())
      expect(stream.status).toBe(200)
      await stream.until((b) => b.retry !== undefined)
      const exited = new Promise<number | null>((resolve) => gateway.proc.once('exit', resolve))
      const started = Date.now()
      gateway.proc.kill('SIGTERM')
      expect(await exited).toBe(0)
      expect(Date.now() - started).toBeLessThan(10_000)
      await stream.ended
      expect(stream.blocks.at(-1)?.comments).toEqual(['closed: NOT_READY'])
      expect(gateway.logs()).not.toContain('shutdown timed out')
    } finally {
      if (gateway.proc.exitCode === null) gateway.proc.kill('SIGKILL')
    }
  }, 120_000)
})
