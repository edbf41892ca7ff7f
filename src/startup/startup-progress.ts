// What a start says it is doing before the slow parts, so a first start (creating the embedded
// database takes seconds) is not silent: where the database is and whether it is being created.
import fs from 'node:fs'
import path from 'node:path'
import type { DatabaseConfig } from '../config.js'

/** Where the database is, without credentials. */
export function databaseLocation(config: DatabaseConfig): string {
  if (config.kind === 'embedded') return config.dir
  const url = new URL(config.url)
  return `${url.hostname || 'localhost'}:${url.port || 5432}/${decodeURIComponent(url.pathname.slice(1))}`
}

/** The line to log before opening the database: creating (a first start), opening, or connecting. */
export function databaseProgress(config: DatabaseConfig): string {
  if (config.kind === 'postgres') return `connecting to PostgreSQL at ${databaseLocation(config)}`
  // Every PostgreSQL data directory has a PG_VERSION file.
  return fs.existsSync(path.join(config.dir, 'PG_VERSION'))
    ? `opening the embedded database under ${config.dir}`
    : `creating the embedded database under ${config.dir} (first start: this takes a few seconds)`
}

/** The line to log as a migration starts. */
export const migrationProgress = (name: string): string => `applying migration ${name}`
