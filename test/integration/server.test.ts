// The real process on loopback: start, the token CLI over HTTP, a first call with the token, a second
// process refused on the same DATA_DIR, a bad variable refused in one line, SIGTERM shutdown, clean logs.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDevMemberKey } from '../../src/members/dev-keys.js'
import { fetchAccessToken, signClientAssertion } from '@icacn/sdk'
import { freshDatabase, type FreshDatabase } from '../support/database.js'

const ROOT = path.resolve(import.meta.dirname, '../..')
const TSX = path.join(ROOT, 'node_modules/.bin/tsx')

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo
      s.close(() => resolve(port))
    })
  })
}

let db: FreshDatabase
let env: NodeJS.ProcessEnv
let server: ChildProcess
let logs = ''
let base: string

function waitForReady(proc: ChildProcess, timeoutMs: number): Promise<void> {
  // This process's own output: the shared log already holds an earlier instance's ready line.
  let own = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway not ready in ${timeoutMs} ms:\n${logs}`)), timeoutMs)
    proc.stdout!.on('data', (d: Buffer) => {
      logs += d.toString()
      own += d.toString()
      if (own.includes('ICACN Exchange ready')) {
        clearTimeout(timer)
        resolve()
      }
    })
    proc.stderr!.on('data', (d: Buffer) => (logs += d.toString()))
    proc.on('exit', (code) => reject(new Error(`gateway exited with ${code}:\n${logs}`)))
  })
}

beforeAll(async () => {
  db = await freshDatabase()
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  const { DATABASE_URL: _omit, ...rest } = process.env
  env = { ...rest, ...db.env, PORT: String(port), HOST: '127.0.0.1', ICACN_MODE: 'development', LOG_LEVEL: 'info' }
  server = spawn(TSX, ['src/server.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  await waitForReady(server, 60_000)
})

afterAll(async () => {
  if (server && server.exitCode === null) server.kill('SIGKILL')
  await db?.cleanup()
})

describe('gateway process', () => {
  it('serves /readyz, and the token CLI prints only a token that reads /v1/members', async () => {
    expect((await fetch(`${base}/readyz`)).status).toBe(200)
    const cli = spawnSync(TSX, ['src/cli/index.ts', 'token', '--member', 'TH', '--role', 'analyst'], { cwd: ROOT, env, encoding: 'utf8' })
    expect(cli.status, cli.stderr).toBe(0)
    expect(cli.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/)
    const token = cli.stdout.trim()
    const res = await fetch(`${base}/v1/members`, { headers: { authorization: `Bearer ${token}` } })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { members: unknown[] }).members).toHaveLength(6)
    // never log tokens or keys
    expect(logs).not.toContain(token)
    expect(logs).not.toContain(token.split('.')[2]!)
    expect(logs).not.toMatch(/"d"\s*:/)
  })

  const onPostgres = Boolean(process.env.DATABASE_URL)
  it(
    onPostgres
      ? 'runs a second instance on the same PostgreSQL, which refuses an assertion replayed from the first'
      : 'refuses a second process on the same DATA_DIR with one clear line',
    async () => {
      if (!onPostgres) {
        const second = spawnSync(TSX, ['src/server.ts'], { cwd: ROOT, env: { ...env, PORT: '0' }, encoding: 'utf8', timeout: 30_000 })
        expect(second.status).toBe(1)
        const lines = second.stderr.split('\n').filter((l) => l.startsWith('icacn:'))
        expect(lines).toHaveLength(1)
        expect(lines[0]).toMatch(/DATA_DIR .* is in use by process \d+/)
        return
      }
      const port = await freePort()
      const dataDir2 = fs.mkdtempSync(path.join(path.dirname(db.dataDir), 'icacn-second-'))
      fs.cpSync(path.join(db.dataDir, 'dev-keys'), path.join(dataDir2, 'dev-keys'), { recursive: true })
      const second = spawn(TSX, ['src/server.ts'], {
        cwd: ROOT,
        env: { ...env, PORT: String(port), DATA_DIR: dataDir2, GATEWAY_AUDIENCE: base },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      try {
        await waitForReady(second, 60_000)
        const { kid, key } = await loadDevMemberKey(db.dataDir, 'KH')
        const assertion = await signClientAssertion({ member: 'KH', kid, key, audience: base, actor: 'ស្រី សុភា', roles: ['analyst'] })
        const first = await fetchAccessToken(`${base}/v1/auth/token`, assertion)
        expect(first.access_token).toMatch(/^ey/)
        await expect(fetchAccessToken(`http://127.0.0.1:${port}/v1/auth/token`, assertion)).rejects.toThrow(
          /401 urn:icacn:problem:replayed/,
        )
      } finally {
        second.kill('SIGTERM')
        fs.rmSync(dataDir2, { recursive: true, force: true })
      }
    },
  )

  it('stops on a bad variable with one line naming it and exit code 78', () => {
    const bad = spawnSync(TSX, ['src/server.ts'], { cwd: ROOT, env: { ...env, PORT: 'eighty' }, encoding: 'utf8', timeout: 30_000 })
    expect(bad.status).toBe(78)
    expect(
      bad.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('icacn:')),
    ).toEqual(['icacn: configuration error: PORT: must be a whole number (got "eighty")'])
  })

  it('shuts down on SIGTERM with exit code 0 and releases the DATA_DIR lock', async () => {
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)))
    server.kill('SIGTERM')
    expect(await exited).toBe(0)
    if (db.engine === 'embedded') expect(fs.existsSync(path.join(db.dataDir, '.lock'))).toBe(false)
  })
})
