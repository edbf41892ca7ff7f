// The real gateway as a child process on loopback, for tests that exercise the server and the CLI
// end to end: a free port, the environment both share, start-and-wait-for-ready, and one CLI run.
import { type ChildProcess, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'
import type { FreshDatabase } from './database.js'

export const ROOT = path.resolve(import.meta.dirname, '../..')
export const TSX = path.join(ROOT, 'node_modules/.bin/tsx')

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo
      s.close(() => resolve(port))
    })
  })
}

/**
 * The environment the gateway and every CLI run share: the fresh database's DATA_DIR (and
 * DATABASE_URL on PostgreSQL, never the admin URL inherited from the test run), loopback, dev mode.
 */
export function gatewayEnv(db: FreshDatabase, port: number): NodeJS.ProcessEnv {
  const { DATABASE_URL: _omit, ...rest } = process.env
  return { ...rest, ...db.env, PORT: String(port), HOST: '127.0.0.1', ICACN_MODE: 'development', LOG_LEVEL: 'info' }
}

export interface Gateway {
  proc: ChildProcess
  /** Everything the process wrote so far (stdout and stderr). */
  logs(): string
}

/** Resolves once the 'ICACN Exchange ready' line appears; rejects on exit or timeout with the logs. */
export function waitForReady(proc: ChildProcess, timeoutMs: number, onLog: (chunk: string) => void = () => {}): Promise<void> {
  let seen = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway not ready in ${timeoutMs} ms:\n${seen}`)), timeoutMs)
    proc.stdout!.on('data', (d: Buffer) => {
      seen += d.toString()
      onLog(d.toString())
      if (seen.includes('ICACN Exchange ready')) {
        clearTimeout(timer)
        resolve()
      }
    })
    proc.stderr!.on('data', (d: Buffer) => {
      seen += d.toString()
      onLog(d.toString())
    })
    proc.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`gateway exited with ${code}:\n${seen}`))
    })
  })
}

export async function startGateway(env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Gateway> {
  let logs = ''
  const proc = spawn(TSX, ['src/server.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  await waitForReady(proc, timeoutMs, (chunk) => (logs += chunk))
  return { proc, logs: () => logs }
}

/** Runs `icacn <args>` to completion with the gateway's environment (and optional stdin). */
export function runCli(env: NodeJS.ProcessEnv, args: string[], input?: string): SpawnSyncReturns<string> {
  return spawnSync(TSX, ['src/cli/index.ts', ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000, ...(input === undefined ? {} : { input }) })
}
