// The DATA_DIR lock: one process at a time on an embedded database; stale locks of dead processes are taken over.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { DataDirLockedError, lockDataDir } from '../../src/db/data-dir-lock.js'

const dirs: string[] = []
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'icacn-lock-'))
  dirs.push(d)
  return d
}
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })))

describe('lockDataDir', () => {
  it('refuses a second lock while the first is held, and allows it after release', () => {
    const dir = tmp()
    const first = lockDataDir(dir)
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError)
    expect(() => lockDataDir(dir)).toThrow(/in use by process \d+/)
    first.release()
    lockDataDir(dir).release()
    expect(fs.existsSync(path.join(dir, '.lock'))).toBe(false)
  })

  it('takes over a lock left by a process that has exited', () => {
    const dir = tmp()
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString()
    fs.writeFileSync(path.join(dir, '.lock'), JSON.stringify({ pid: Number(dead), host: os.hostname() }))
    const lock = lockDataDir(dir)
    expect(JSON.parse(fs.readFileSync(path.join(dir, '.lock'), 'utf8')).pid).toBe(process.pid)
    lock.release()
  })

  it('writes the lock file with mode 0600', () => {
    const dir = tmp()
    const lock = lockDataDir(dir)
    expect(fs.statSync(path.join(dir, '.lock')).mode & 0o777).toBe(0o600)
    lock.release()
  })
})
