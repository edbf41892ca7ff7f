// What every bench script shares: a free loopback port, the gateway (bench/server.ts) as a child
// process on its own fresh database, and autocannon runs that fail loudly on any non-2xx answer.
import autocannon, { type Result } from 'autocannon'
import { type ChildProcess, spawn } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'

export const ROOT = path.resolve(import.meta.dirname, '..')

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo
      s.close(() => resolve(port))
    })
  })
}

export async function startGateway(env: NodeJS.ProcessEnv, base: string): Promise<ChildProcess> {
  // BENCH_PROFILE=<dir>: the gateway writes a V8 CPU profile there when it stops.
  const profile = env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', env.BENCH_PROFILE] : []
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'bench/server.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  let exited = false
  child.once('exit', () => (exited = true))
  for (let i = 0; i < 240 && !exited; i++) {
    const ready = await fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false,
    )
    if (ready) return child
    await new Promise((r) => setTimeout(r, 250))
  }
  child.kill('SIGKILL')
  throw new Error('gateway did not become ready within 60 s')
}

export async function stopGateway(gateway: ChildProcess): Promise<void> {
  if (gateway.exitCode !== null || gateway.signalCode !== null) return
  const exited = new Promise((r) => gateway.once('exit', r))
  gateway.kill('SIGTERM')
  await exited
}

export async function load(name: string, opts: autocannon.Options): Promise<Result> {
  const result = await autocannon({ connections: 10, duration: 10, ...opts })
  const bad = result.non2xx + result.errors + result.timeouts
  if (bad > 0)
    throw new Error(`${name}: ${bad} failed requests (non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`)
  return result
}

/** Runs a bench script's main, failing the process (non-zero exit) with the error's stack. */
export function runBench(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(`bench: ${(err as Error).stack ?? err}`)
    process.exit(1)
  })
}
