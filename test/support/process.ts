// The real gateway as a child process on loopback, for tests that exercise the server and the CLI
// end to end: a free port, the environment both share, start-and-wait-for-ready, and one CLI run.
import { type ChildProcess, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process'
import fs from 'node:fs'
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

/**
 * Starts the gateway and waits for it to be ready. `node --import tsx` (as npm start runs it) makes
 * the process the gateway itself, so a signal reaches it alone: the tsx binary would fork a child
 * that outlives a SIGKILL of its parent.
 */
export async function startGateway(env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Gateway> {
  let logs = ''
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  await waitForReady(proc, timeoutMs, (chunk) => (logs += chunk))
  return { proc, logs: () => logs }
}

/** Runs `icacn <args>` to completion with the gateway's environment (and optional stdin). */
export function runCli(env: NodeJS.ProcessEnv, args: string[], input?: string): SpawnSyncReturns<string> {
  return spawnSync(TSX, ['src/cli/index.ts', ...args], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 60_000,
    ...(input === undefined ? {} : { input }),
  })
}

/** Runs the gateway expecting it to stop by itself (a start-up failure): its status and output. */
export function runGatewayToExit(env: NodeJS.ProcessEnv, timeoutMs = 60_000): SpawnSyncReturns<string> {
  return spawnSync(TSX, ['src/server.ts'], { cwd: ROOT, env, encoding: 'utf8', timeout: timeoutMs })
}

/** Resolves with the exit code (null when ended by a signal) once `proc` has exited; SIGKILL after `timeoutMs`. */
export function exited(proc: ChildProcess, timeoutMs = 20_000): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode)
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs)
    proc.once('exit', (code) => {
      clearTimeout(timer)
      resolve(code)
    })
  })
}

/** Sends `signal` to the gateway and waits for it to exit. */
export async function stopGateway(gateway: Gateway, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  const done = exited(gateway.proc)
  gateway.proc.kill(signal)
  return done
}

/** Whether a new listener can take 127.0.0.1:`port` (nothing holds it any more). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

/** Live processes other than this one whose command line or environment contains `text` (Linux /proc). */
export function processesWith(text: string): number[] {
  const found: number[] = []
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid === process.pid) continue
    try {
      const seen = ['cmdline', 'environ'].map((f) => fs.readFileSync(`/proc/${pid}/${f}`, 'utf8')).join('\0')
      if (seen.includes(text)) found.push(pid)
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found
}

/** The local addresses of TCP sockets listening on `port` (Linux /proc/net/tcp and tcp6): dotted IPv4, `::`, or other IPv6 as hex. */
export function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
  const out: string[] = []
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!fs.existsSync(file)) continue
    for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/)
      if (state !== '0A' || !local?.endsWith(`:${hexPort}`)) continue
      const hex = local.split(':')[0]!
      // IPv4 is four little-endian bytes; IPv6 all zeros is the wildcard.
      out.push(
        hex.length === 8
          ? hex
              .match(/../g)!
              .reverse()
              .map((b) => parseInt(b, 16))
              .join('.')
          : hex === '0'.repeat(32)
            ? '::'
            : hex,
      )
    }
  }
  return out
}
