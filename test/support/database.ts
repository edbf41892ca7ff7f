// A fresh, isolated database per test file: a new PostgreSQL database when DATABASE_URL is set,
// otherwise an embedded PGlite under a new temporary DATA_DIR. Both are removed afterwards.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { loadConfig } from '../../src/config.js'
import { type Database, openDatabase } from '../../src/db/database.js'

export interface FreshDatabase {
  /** Environment variables for loadConfig: DATA_DIR and, on PostgreSQL, DATABASE_URL. */
  env: Record<string, string>
  dataDir: string
  engine: 'postgres' | 'embedded'
  cleanup(): Promise<void>
}

export const adminUrl = (): string | undefined => process.env.DATABASE_URL || undefined

export async function freshDatabase(): Promise<FreshDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'icacn-test-'))
  const base = adminUrl()
  if (!base) {
    return {
      env: { DATA_DIR: dataDir },
      dataDir,
      engine: 'embedded',
      cleanup: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
    }
  }
  const name = `icacn_test_${process.pid}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: base })
  await admin.connect()
  await admin.query(`create database "${name}"`)
  await admin.end()
  const url = new URL(base)
  url.pathname = `/${name}`
  return {
    env: { DATA_DIR: dataDir, DATABASE_URL: url.toString() },
    dataDir,
    engine: 'postgres',
    async cleanup() {
      fs.rmSync(dataDir, { recursive: true, force: true })
      const c = new pg.Client({ connectionString: base })
      await c.connect()
      await c.query(`drop database if exists "${name}" with (force)`)
      await c.end()
    },
  }
}

/** A fresh database opened directly (no gateway), for tests of repositories and SQL; close() removes it. */
export async function openFreshDatabase(): Promise<{ database: Database; close(): Promise<void> }> {
  const fresh = await freshDatabase()
  const config = loadConfig({ ...fresh.env, LOG_LEVEL: 'silent' })
  const database = await openDatabase(config.database, config.dataDir)
  return {
    database,
    async close() {
      await database.close()
      await fresh.cleanup()
    },
  }
}
