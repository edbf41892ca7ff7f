// Start-up failures an operator can fix, told in one line that names the cause and what to do (no
// stack): the database unreachable, missing or refusing, a migration failing, DATA_DIR unusable,
// an address or port that cannot be listened on. Anything else keeps its stack: it is a bug.
import type { Config } from '../config.js'
import { DataDirLockedError } from '../db/data-dir-lock.js'
import { MigrationError } from '../db/migrator.js'
import { databaseLocation } from './startup-progress.js'

/** What was being done: building the app (database, migrations, keys), or listening for the API or metrics. */
export type StartupStage = 'prepare' | 'listen' | 'metrics'

/** A failure already told as its one line (`message`). */
export class StartupFailure extends Error {
  constructor(line: string, options: { cause: unknown }) {
    super(line, options)
    this.name = 'StartupFailure'
  }
}

interface SystemError {
  code?: string
  path?: string
  message?: string
  /** pg's server errors carry a severity; their code is a SQLSTATE. */
  severity?: string
  errors?: SystemError[]
}

const FS_CODES = new Set(['ENOTDIR', 'EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EEXIST', 'ENOENT'])

/** Where the database is (without credentials), and the database and user names a refusal is about. */
function databaseAt(config: Config): { where: string; name: string; user: string } {
  if (config.database.kind === 'embedded')
    return { where: `the embedded database under ${config.database.dir}`, name: 'postgres', user: 'postgres' }
  const url = new URL(config.database.url)
  const user = decodeURIComponent(url.username) || 'postgres'
  return { where: databaseLocation(config.database), name: decodeURIComponent(url.pathname.slice(1)) || user, user }
}

function prepareFailure(e: SystemError, err: unknown, config: Config): string | null {
  if (err instanceof DataDirLockedError) return `icacn: ${err.message}`
  if (err instanceof MigrationError) {
    if (err.kind === 'failed')
      return `icacn: ${err.message}; no migration was applied (they run in one transaction). Fix the database (or restore a backup) and start again`
    return `icacn: ${err.message}: it was migrated by another version of the gateway. Run that version, or restore a backup taken before it`
  }
  const db = databaseAt(config)
  // net reports a failed connect to a name with several addresses as an AggregateError.
  const code = e.code ?? e.errors?.[0]?.code
  if (code === 'ECONNREFUSED')
    return `icacn: cannot connect to PostgreSQL at ${db.where}: connection refused. Start the database server, or correct the host and port in DATABASE_URL`
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return `icacn: cannot connect to PostgreSQL at ${db.where}: the host name does not resolve. Correct the host in DATABASE_URL`
  // pg's own connect timeout (database.ts connectionTimeoutMillis) carries no code, only its message.
  if (!code && /connection timeout|timeout expired/i.test(e.message ?? ''))
    return `icacn: cannot connect to PostgreSQL at ${db.where}: no answer within 10 s. Check the network and firewall, or correct DATABASE_URL`
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return `icacn: cannot connect to PostgreSQL at ${db.where}: ${code}. Check the network and firewall, or correct DATABASE_URL`
  if (code === '3D000')
    return `icacn: database "${db.name}" does not exist on the PostgreSQL server (${db.where}). Create it (createdb ${db.name}) or correct the database name in DATABASE_URL`
  if (code === '28P01' || code === '28000')
    return `icacn: PostgreSQL at ${db.where} refused the login as "${db.user}": ${e.message}. Correct the user or password in DATABASE_URL`
  if (code === '42P01')
    return `icacn: ${db.where} has no gateway schema (${e.message}). Run npm run migrate, or start with MIGRATE_ON_START=true`
  if (e.severity && code) return `icacn: ${db.where} refused a statement at start: ${e.message} (SQLSTATE ${code})`
  if (code && FS_CODES.has(code) && e.path?.startsWith(config.dataDir)) {
    return `icacn: cannot use DATA_DIR ${config.dataDir}: ${code} at ${e.path}. Set DATA_DIR to a directory this user can create and write`
  }
  return null
}

function listenFailure(e: SystemError, stage: 'listen' | 'metrics', config: Config): string | null {
  const [hostVar, portVar] = stage === 'listen' ? ['HOST', 'PORT'] : ['METRICS_HOST', 'METRICS_PORT']
  const { host, port } = stage === 'listen' ? config : (config.metrics ?? { host: '', port: 0 })
  const what = `icacn: cannot listen ${stage === 'metrics' ? 'for metrics ' : ''}on ${host.includes(':') ? `[${host}]` : host}:${port}`
  const orOff = stage === 'metrics' ? ', or METRICS_PORT=0 to turn metrics off' : ''
  switch (e.code) {
    case 'EADDRINUSE':
      return `${what}: the port is in use by another process. Stop that process or set ${portVar} to a free port${orOff}`
    case 'EADDRNOTAVAIL':
      return `${what}: ${host} is not an address of this machine. Set ${hostVar} to one of its addresses (127.0.0.1 for this machine only, 0.0.0.0 for all)`
    case 'EACCES':
      return `${what}: ports below 1024 need privileges. Set ${portVar} to 1024 or above${orOff}`
    case undefined:
      return null
    default:
      return `${what}: ${e.code} (${e.message}). Check ${hostVar} and ${portVar}`
  }
}

/** The one line for a failure at `stage`, or null when it is not one an operator can fix (a bug). */
export function describeStartupFailure(err: unknown, stage: StartupStage, config: Config): string | null {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SystemError
  return stage === 'prepare' ? prepareFailure(e, err, config) : listenFailure(e, stage, config)
}

/** Runs one stage of the start; a failure an operator can fix is rethrown as its one line. */
export async function startupStage<T>(stage: StartupStage, config: Config, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (err) {
    const line = describeStartupFailure(err, stage, config)
    throw line ? new StartupFailure(line, { cause: err }) : err
  }
}
