// Exclusive lock on DATA_DIR for the embedded database: PGlite's files are corrupted by two
// processes, so a second process must refuse to start instead of opening them.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export class DataDirLockedError extends Error {
  constructor(dir: string, pid: number, host: string) {
    super(
      `DATA_DIR ${dir} is in use by process ${pid} on ${host}; the embedded database allows one process. ` +
        'Stop that process, use another DATA_DIR, or set DATABASE_URL to share a PostgreSQL server.',
    )
    this.name = 'DataDirLockedError'
  }
}

export interface DataDirLock {
  release(): void
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Takes `$dir/.lock` with O_EXCL; a lock left by a dead process on this host is taken over. */
export function lockDataDir(dir: string): DataDirLock {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  const file = path.join(dir, '.lock')
  const body = JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() })
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, body, { flag: 'wx', mode: 0o600 })
      let released = false
      return {
        release() {
          if (released) return
          released = true
          try {
            const held = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number }
            if (held.pid === process.pid) fs.unlinkSync(file)
          } catch {
            // already gone: nothing to release
          }
        },
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      let held: { pid?: number; host?: string } = {}
      try {
        held = JSON.parse(fs.readFileSync(file, 'utf8'))
      } catch {
        // unreadable lock (torn write): treat as stale only if it is older than a minute
        if (Date.now() - fs.statSync(file).mtimeMs < 60_000) throw new DataDirLockedError(dir, 0, 'unknown')
      }
      const sameHost = held.host === undefined || held.host === os.hostname()
      if (typeof held.pid === 'number' && (!sameHost || alive(held.pid))) {
        throw new DataDirLockedError(dir, held.pid, held.host ?? 'this host')
      }
      fs.rmSync(file, { force: true })
    }
  }
  throw new DataDirLockedError(dir, 0, 'unknown')
}
