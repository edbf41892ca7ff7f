// Starting the real process: a first start says what it is doing, in order, and a second repeats
// none of the creating, migrating or key lines; each start-up failure an operator can fix is one
// line on stderr (no stack) naming the cause and what to do, with a non-zero exit.
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrations } from '../../migrations/index.js'
import { loadConfig } from '../../src/config.js'
import { openDatabase } from '../../src/db/database.js'
import { migrateTo, migrateToLatest } from '../../src/db/migrator.js'
import { adminUrl, freshDatabase, type FreshDatabase } from '../support/database.js'
import { freePort, gatewayEnv, runGatewayToExit, startGateway, stopGateway } from '../support/process.js'

const onPostgres = Boolean(adminUrl())
let db: FreshDatabase
let env: NodeJS.ProcessEnv
let tmp: string
const held: net.Server[] = []

beforeAll(async () => {
  db = await freshDatabase()
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'icacn-startup-'))
  env = gatewayEnv(db, await freePort())
})

afterAll(async () => {
  for (const s of held) s.close()
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
  await db?.cleanup()
})

/** A port some other process holds. */
async function takenPort(): Promise<number> {
  const port = await freePort()
  const s = net.createServer()
  await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve))
  held.push(s)
  return port
}

/** Runs the gateway to its exit; asserts a non-zero status and exactly one stderr line, returned. */
function failure(over: NodeJS.ProcessEnv, status = 1): string {
  const run = runGatewayToExit({ ...env, ...over })
  expect(run.status, run.stderr).toBe(status)
  const lines = run.stderr.split('\n').filter((l) => l.trim() !== '')
  expect(lines, run.stderr).toHaveLength(1)
  expect(lines[0]).toMatch(/^icacn: /)
  expect(lines[0]).not.toMatch(/\bat .*\.(ts|js):\d+/)
  return lines[0]!
}

/** The `msg` of each JSON log line, in order. */
const messages = (logs: string): string[] =>
  logs.split('\n').flatMap((l) => {
    try {
      return [(JSON.parse(l) as { msg: string }).msg]
    } catch {
      return []
    }
  })

describe('first start and second start', () => {
  it('a first start says what it is doing, in order; a second repeats no creating, migrating or key line', async () => {
    const first = await startGateway(env)
    expect(await stopGateway(first)).toBe(0)
    const said = messages(first.logs())
    const opening = onPostgres
      ? /^connecting to PostgreSQL at 127\.0\.0\.1:\d+\/icacn_test_/
      : /^creating the embedded database under .*pgdata \(first start/
    const order = [
      opening,
      /^applying migration 0001_members$/,
      /^applying migration 0015_gateway_settings$/,
      /^migrations applied$/,
      /^development mode: member keys for KH, KR, LA, PH, TH, VN and gateway keys generated/,
      /^default release policy activated$/,
      /^Server listening at/,
      /^ICACN Exchange ready$/,
    ]
    const at = order.map((re) => said.findIndex((m) => re.test(m)))
    expect(
      at.every((i) => i >= 0),
      said.join('\n'),
    ).toBe(true)
    expect([...at].sort((a, b) => a - b)).toEqual(at)
    expect(said.filter((m) => m.startsWith('applying migration '))).toEqual(
      Object.keys(migrations).map((name) => `applying migration ${name}`),
    )

    const second = await startGateway(env)
    expect(await stopGateway(second)).toBe(0)
    const again = messages(second.logs())
    expect(again).toContain(onPostgres ? said[at[0]!] : `opening the embedded database under ${path.join(db.dataDir, 'pgdata')}`)
    expect(again.filter((m) => /^creating |^applying migration |^migrations applied|generated|default release policy/.test(m))).toEqual([])
    expect(again).toContain('ICACN Exchange ready')
  })
})

describe('start-up failures', () => {
  it('the database unreachable', async () => {
    const port = await freePort()
    const line = failure({ DATABASE_URL: `postgres://icacn:s3cret-pw@127.0.0.1:${port}/icacn` })
    expect(line).toBe(
      `icacn: cannot connect to PostgreSQL at 127.0.0.1:${port}/icacn: connection refused. Start the database server, or correct the host and port in DATABASE_URL`,
    )
  })

  it(onPostgres ? 'the database missing on the server' : 'DATA_DIR unusable (a file in its path)', () => {
    if (onPostgres) {
      const url = new URL(adminUrl()!)
      url.pathname = '/icacn_no_such_database'
      expect(failure({ DATABASE_URL: url.toString() })).toBe(
        `icacn: database "icacn_no_such_database" does not exist on the PostgreSQL server (${url.hostname}:${url.port || 5432}/icacn_no_such_database). Create it (createdb icacn_no_such_database) or correct the database name in DATABASE_URL`,
      )
      return
    }
    fs.writeFileSync(path.join(tmp, 'a-file'), 'not a directory')
    const dataDir = path.join(tmp, 'a-file', 'data')
    expect(failure({ DATA_DIR: dataDir })).toBe(
      `icacn: cannot use DATA_DIR ${dataDir}: ENOTDIR at ${dataDir}. Set DATA_DIR to a directory this user can create and write`,
    )
  })

  it('the API port in use, and the DATA_DIR lock released on the way out', async () => {
    const port = await takenPort()
    expect(failure({ PORT: String(port) })).toBe(
      `icacn: cannot listen on 127.0.0.1:${port}: the port is in use by another process. Stop that process or set PORT to a free port`,
    )
    expect(fs.existsSync(path.join(db.dataDir, '.lock'))).toBe(false)
  })

  it('the metrics port in use', async () => {
    const port = await takenPort()
    expect(failure({ METRICS_PORT: String(port) })).toBe(
      `icacn: cannot listen for metrics on 127.0.0.1:${port}: the port is in use by another process. Stop that process or set METRICS_PORT to a free port, or METRICS_PORT=0 to turn metrics off`,
    )
  })

  it('HOST not an address of this machine, and HOST not an address at all', () => {
    const port = env.PORT
    expect(failure({ HOST: '203.0.113.9' })).toBe(
      `icacn: cannot listen on 203.0.113.9:${port}: 203.0.113.9 is not an address of this machine. Set HOST to one of its addresses (127.0.0.1 for this machine only, 0.0.0.0 for all)`,
    )
    expect(failure({ HOST: 'not-a-host' }, 78)).toBe(
      'icacn: configuration error: HOST: must be an IP address to listen on, such as 127.0.0.1, 0.0.0.0 or ::, or localhost (got "not-a-host")',
    )
  })

  describe('migrations', () => {
    let broken: FreshDatabase
    const open = async () => openDatabase(loadConfig({ ...broken.env, LOG_LEVEL: 'silent' }).database, broken.dataDir)
    const applied = async () => {
      const database = await open()
      try {
        return (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(database.db)).rows.map((r) => r.name)
      } finally {
        await database.close()
      }
    }
    beforeAll(async () => {
      broken = await freshDatabase()
    })
    afterAll(async () => broken?.cleanup())

    it('a migration that fails is named, and nothing is applied', async () => {
      // An operator made a table of that name by hand (or restored one from elsewhere): 0015 cannot create it.
      const database = await open()
      await migrateTo(database.db, '0014_publish_selectors')
      await sql`create table gateway_settings (name text primary key, setting jsonb)`.execute(database.db)
      await database.close()
      const line = failure({ ...broken.env })
      expect(line).toBe(
        'icacn: migration 0015_gateway_settings failed: relation "gateway_settings" already exists; no migration was applied (they run in one transaction). Fix the database (or restore a backup) and start again',
      )
      expect(await applied()).toHaveLength(14)
    })

    it('a database migrated by a newer version is refused, naming the migration it does not know', async () => {
      const database = await open()
      await sql`drop table gateway_settings`.execute(database.db)
      await migrateToLatest(database.db)
      await sql`insert into kysely_migration (name, timestamp) values ('0016_member_aliases', ${new Date().toISOString()})`.execute(
        database.db,
      )
      await database.close()
      expect(failure({ ...broken.env })).toBe(
        'icacn: the database has migration 0016_member_aliases applied, which this version does not have: it was migrated by another version of the gateway. Run that version, or restore a backup taken before it',
      )
    })
  })
})
