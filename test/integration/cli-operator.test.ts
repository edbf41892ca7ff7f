// `icacn operator` on a real database with no gateway running: an act is done and audited, and a
// usage slip or an unreadable JWK file is refused in one line before the database is even opened.
import fs from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { openDatabase } from '../../src/db/database.js'
import { freshDatabase, type FreshDatabase } from '../support/database.js'
import { freePort, runCli } from '../support/process.js'

let db: FreshDatabase
let env: NodeJS.ProcessEnv

beforeAll(async () => {
  db = await freshDatabase()
  const { DATABASE_URL: _omit, ...rest } = process.env
  env = { ...rest, ...db.env, ICACN_MODE: 'development', LOG_LEVEL: 'silent' }
})

afterAll(async () => {
  await db?.cleanup()
})

describe('icacn operator', () => {
  it('says in one line, as the gateway start does, that the database cannot be reached (no stack trace)', async () => {
    const port = await freePort()
    const down = runCli({ ...env, DATABASE_URL: `postgres://icacn:s3cret-pw@127.0.0.1:${port}/icacn` }, [
      'operator',
      'suspend',
      '--operator',
      'op.kim',
      '--member',
      'LA',
      '--reason',
      'ບັນຊີຖືກລະງັບຊົ່ວຄາວ',
    ])
    expect(down.status).toBe(1)
    expect(down.stderr.trim()).toBe(
      `icacn: cannot connect to PostgreSQL at 127.0.0.1:${port}/icacn: connection refused. Start the database server, or correct the host and port in DATABASE_URL`,
    )
  })

  it('refuses a missing --reason (64) and an unreadable --jwk (1) in one line each, without opening the database', async () => {
    const noReason = runCli(env, ['operator', 'suspend', '--operator', 'op.kim', '--member', 'LA'])
    expect(noReason.status).toBe(64)
    expect(noReason.stderr.trim()).toBe('icacn: --reason is required (icacn operator --help)')

    const missing = path.join(db.dataDir, 'no-such.jwk.json')
    const noJwk = runCli(env, ['operator', 'register-key', '--operator', 'op.kim', '--member', 'TH', '--jwk', missing])
    expect(noJwk.status).toBe(1)
    expect(noJwk.stdout).toBe('')
    expect(noJwk.stderr.trim()).toBe(`icacn: cannot read the JWK in ${missing}: ENOENT`)
    // Opening would have made the embedded database's files, or migrated PostgreSQL's tables.
    expect(fs.readdirSync(db.dataDir)).toEqual([])
    if (db.engine === 'postgres') {
      const client = new pg.Client({ connectionString: db.env.DATABASE_URL })
      await client.connect()
      const { rows } = await client.query<{ t: string | null }>("select to_regclass('audit_log')::text as t")
      await client.end()
      expect(rows[0]!.t).toBeNull()
    }
  })

  it('suspend then reinstate: one line each on stdout, and both acts in the audit log under the operator', async () => {
    const suspend = runCli(env, ['operator', 'suspend', '--operator', 'op.kim', '--member', 'la', '--reason', 'key custody review'])
    expect(suspend.status, suspend.stderr).toBe(0)
    expect(suspend.stdout).toBe('member LA is now suspended\n')
    const reinstate = runCli(env, ['operator', 'reinstate', '--operator', 'op.kim', '--member', 'LA', '--reason', 'review complete'])
    expect(reinstate.status, reinstate.stderr).toBe(0)
    expect(reinstate.stdout).toBe('member LA is now active\n')

    const config = loadConfig({ ...db.env, LOG_LEVEL: 'silent' })
    const database = await openDatabase(config.database, config.dataDir)
    try {
      const rows = await database.db
        .selectFrom('audit_log')
        .select(['actor', 'action', 'subject'])
        .where('actor_kind', '=', 'operator')
        .orderBy('at')
        .orderBy('id')
        .execute()
      expect(rows).toEqual([
        { actor: 'op.kim', action: 'member.suspended', subject: 'member:LA' },
        { actor: 'op.kim', action: 'member.reinstated', subject: 'member:LA' },
      ])
    } finally {
      await database.close()
    }
  })
})
