// `npm start` as a developer runs it: SIGTERM to the npm process, and Ctrl-C (SIGINT to the whole
// process group, as a terminal sends it), each stop the server with nothing left behind: npm exits,
// the port is free, no process of this DATA_DIR remains, and the DATA_DIR lock lets the next start in.
import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { freshDatabase, type FreshDatabase } from '../support/database.js'
import {
  exited,
  freePort,
  gatewayEnv,
  portIsFree,
  processesWith,
  ROOT,
  startGateway,
  stopGateway,
  waitForReady,
} from '../support/process.js'

let db: FreshDatabase
let env: NodeJS.ProcessEnv
let port: number

beforeAll(async () => {
  db = await freshDatabase()
  port = await freePort()
  // No update check: nothing but loopback traffic in tests.
  env = { ...gatewayEnv(db, port), npm_config_update_notifier: 'false' }
})

// Whatever a failed case left running under this file's DATA_DIR (processes it started, found by
// their environment), so that each case fails on its own account.
afterEach(() => {
  for (const pid of processesWith(db.dataDir)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // exited meanwhile
    }
  }
})
afterAll(async () => db?.cleanup())

/** `npm start` in its own process group (as a terminal runs a foreground job), once ready. */
async function npmStart(): Promise<{ npm: ChildProcess; logs: () => string }> {
  let logs = ''
  const npm = spawn('npm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  await waitForReady(npm, 90_000, (chunk) => (logs += chunk))
  return { npm, logs: () => logs }
}

/** Polls `check` until it holds or `ms` pass; its last answer. */
async function eventually<T>(check: () => Promise<T> | T, ok: (v: T) => boolean, ms = 5_000): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const v = await check()
    if (ok(v) || Date.now() > until) return v
    await new Promise((r) => setTimeout(r, 200))
  }
}

async function expectNothingLeft(): Promise<void> {
  expect(
    await eventually(
      () => portIsFree(port),
      (free) => free,
    ),
  ).toBe(true)
  expect(
    await eventually(
      () => processesWith(db.dataDir),
      (pids) => pids.length === 0,
    ),
  ).toEqual([])
  expect(fs.existsSync(path.join(db.dataDir, '.lock'))).toBe(false)
}

describe('npm start', () => {
  it('SIGTERM to the npm process stops the server gracefully and leaves nothing behind', async () => {
    const { npm, logs } = await npmStart()
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200)
    const code = exited(npm)
    process.kill(npm.pid!, 'SIGTERM')
    expect(await code).toBe(0)
    expect(logs()).toContain('"signal":"SIGTERM","msg":"shutting down: finishing in-flight requests"')
    await expectNothingLeft()
  })

  it('Ctrl-C (SIGINT to the process group) stops it the same way', async () => {
    const { npm, logs } = await npmStart()
    const code = exited(npm)
    process.kill(-npm.pid!, 'SIGINT')
    await code
    expect(logs()).toContain('"signal":"SIGINT","msg":"shutting down: finishing in-flight requests"')
    await expectNothingLeft()
  })

  it('the next start gets the port and the DATA_DIR', async () => {
    const again = await startGateway(env)
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200)
    expect(await stopGateway(again)).toBe(0)
  })
})
