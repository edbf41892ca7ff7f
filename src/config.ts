// Configuration: loadConfig(env) is the only place that reads environment variables.
// Every value is validated here; a bad one throws a ConfigError naming the variable.
import net from 'node:net'
import path from 'node:path'
import { type AllowedCidrs, parseAllowCidrs } from './webhooks/outbound-address.js'

export type Mode = 'development' | 'production'
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export type DatabaseConfig =
  | { readonly kind: 'postgres'; readonly url: string; readonly poolMax: number }
  | { readonly kind: 'embedded'; readonly dir: string }

export interface Config {
  readonly mode: Mode
  readonly host: string
  readonly port: number
  readonly dataDir: string
  readonly database: DatabaseConfig
  /** The gateway's issuer identifier: `aud` of client assertions, `iss` and `aud` of access tokens. */
  readonly issuer: string
  readonly logLevel: LogLevel
  readonly migrateOnStart: boolean
  /** Production only: JSON file `{ "KR": { "keys": [...] }, ... }` of member public keys. */
  readonly trustListFile: string | null
  /** Private JWKS files; the first key signs, the rest are kept to verify what they signed. */
  readonly gatewayTokenKeysFile: string | null
  readonly gatewayReceiptKeysFile: string | null
  /** JWKS of 256-bit "oct" keys sealing event cursors (src/auth/gateway-secret.ts). */
  readonly gatewaySecretKeysFile: string | null
  readonly accessTokenTtlSeconds: number
  readonly bodyLimitBytes: number
  readonly recordMaxBytes: number
  /** Selector lookups (searches and batch items) a member may make per UTC day. */
  readonly leadLookupsPerDay: number
  /** Hard identifiers new to the publisher that its published records may carry per UTC day (deconfliction is an existence test). */
  readonly publishSelectorsPerDay: number
  /** Hard identifiers one record may carry in all. */
  readonly recordMaxSelectors: number
  readonly corsOrigins: readonly string[]
  readonly graphqlMaxDepth: number
  readonly graphqlMaxCost: number
  /** GraphQL introspection (__schema, __type): on in development, off in production unless enabled. */
  readonly graphqlIntrospection: boolean
  readonly shutdownTimeoutMs: number
  readonly trustProxy: boolean
  /** Prometheus metrics on their own listener (never the API port), or null when off. */
  readonly metrics: { readonly host: string; readonly port: number } | null
  readonly webhooks: WebhookConfig
  /** Event streams one member may hold open on one instance at once: SSE streams and GraphQL subscriptions together. */
  readonly streamsPerMember: number
}

export interface WebhookConfig {
  /** Run the delivery worker on this instance (WEBHOOK_DELIVERY; off: deliveries wait for an instance that runs it). */
  readonly delivery: boolean
  /** Development only (WEBHOOK_ALLOW_INSECURE): http and loopback receivers; production refuses it. */
  readonly insecureDev: boolean
  /** Private ranges an operator opens to receivers on closed networks (never loopback, link-local, metadata). */
  readonly allowCidrs: AllowedCidrs
  readonly concurrency: number
  readonly perEndpoint: number
  readonly timeoutMs: number
  readonly pollMs: number
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`)
    this.name = 'ConfigError'
  }
}

type Env = Readonly<Record<string, string | undefined>>

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

function str(env: Env, name: string): string | undefined {
  const v = env[name]
  return v === undefined || v.trim() === '' ? undefined : v.trim()
}

function int(env: Env, name: string, dflt: number, min: number, max: number): number {
  const raw = str(env, name)
  if (raw === undefined) return dflt
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number (got "${raw}")`)
  const n = Number(raw)
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max} (got ${n})`)
  return n
}

function bool(env: Env, name: string, dflt: boolean): boolean {
  const raw = str(env, name)
  if (raw === undefined) return dflt
  if (raw === 'true' || raw === '1') return true
  if (raw === 'false' || raw === '0') return false
  throw new ConfigError(name, `must be true or false (got "${raw}")`)
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], dflt: T): T {
  const raw = str(env, name)
  if (raw === undefined) return dflt
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got "${raw}")`)
  }
  return raw as T
}

function databaseUrl(env: Env): string | undefined {
  const raw = str(env, 'DATABASE_URL')
  if (raw === undefined) return undefined
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError('DATABASE_URL', 'must be a postgres:// or postgresql:// URL')
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError('DATABASE_URL', `must use postgres:// or postgresql:// (got ${url.protocol}//)`)
  }
  return raw
}

function issuer(env: Env, mode: Mode, host: string, port: number): string {
  const raw = str(env, 'GATEWAY_AUDIENCE')
  if (raw === undefined) {
    if (mode === 'production') throw new ConfigError('GATEWAY_AUDIENCE', 'is required in production mode')
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  }
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError('GATEWAY_AUDIENCE', `must be an absolute URL (got "${raw}")`)
  }
  if (mode === 'production' && url.protocol !== 'https:') {
    throw new ConfigError('GATEWAY_AUDIENCE', 'must be an https:// URL in production mode')
  }
  if (url.search || url.hash) throw new ConfigError('GATEWAY_AUDIENCE', 'must not have a query or fragment')
  return raw.replace(/\/+$/, '')
}

// A listen address, not a name: a name would be resolved (DNS) at start and could mean another
// address on the next; an IP literal (or localhost, loopback on both families) says what is exposed.
function listenAddress(env: Env, name: string): string {
  const raw = str(env, name) ?? '127.0.0.1'
  if (raw !== 'localhost' && net.isIP(raw) === 0) {
    throw new ConfigError(name, `must be an IP address to listen on, such as 127.0.0.1, 0.0.0.0 or ::, or localhost (got "${raw}")`)
  }
  return raw
}

// On by default in production (port 9464); off by default in development, where a fixed second
// port would collide between two checkouts, or with `npm test` beside `npm start`. 0 turns it off.
function metrics(env: Env, mode: Mode, port: number): Config['metrics'] {
  const metricsPort = int(env, 'METRICS_PORT', mode === 'production' ? 9464 : 0, 0, 65535)
  const metricsHost = listenAddress(env, 'METRICS_HOST')
  if (metricsPort === 0) return null
  if (metricsPort === port) throw new ConfigError('METRICS_PORT', `must differ from PORT (${port}): metrics never share the API port`)
  return { host: metricsHost, port: metricsPort }
}

function file(env: Env, name: string, mode: Mode, cwd: string): string | null {
  const raw = str(env, name)
  if (raw === undefined) {
    if (mode === 'production') throw new ConfigError(name, 'is required in production mode')
    return null
  }
  return path.resolve(cwd, raw)
}

function webhooks(env: Env, mode: Mode): WebhookConfig {
  const insecureDev = bool(env, 'WEBHOOK_ALLOW_INSECURE', false)
  if (insecureDev && mode === 'production')
    throw new ConfigError(
      'WEBHOOK_ALLOW_INSECURE',
      'is a development setting (http and loopback receivers) and is refused in production mode',
    )
  let allowCidrs: AllowedCidrs
  try {
    allowCidrs = parseAllowCidrs(
      (str(env, 'WEBHOOK_ALLOW_CIDRS') ?? '')
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    )
  } catch (e) {
    throw new ConfigError('WEBHOOK_ALLOW_CIDRS', (e as Error).message)
  }
  return {
    delivery: bool(env, 'WEBHOOK_DELIVERY', true),
    insecureDev,
    allowCidrs,
    concurrency: int(env, 'WEBHOOK_CONCURRENCY', 16, 1, 1000),
    perEndpoint: int(env, 'WEBHOOK_ENDPOINT_CONCURRENCY', 4, 1, 100),
    timeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000),
    pollMs: int(env, 'WEBHOOK_POLL_MS', 1000, 10, 60_000),
  }
}

/** Reads and validates the configuration; throws ConfigError on the first bad variable. */
export function loadConfig(env: Env, cwd: string = process.cwd()): Config {
  const mode = oneOf<Mode>(env, 'ICACN_MODE', ['development', 'production'], 'development')
  const host = listenAddress(env, 'HOST')
  const port = int(env, 'PORT', 8080, 0, 65535)
  const dataDir = path.resolve(cwd, str(env, 'DATA_DIR') ?? './data')
  const url = databaseUrl(env)
  const poolMax = int(env, 'DATABASE_POOL_MAX', 10, 1, 200)
  const corsRaw = str(env, 'CORS_ORIGINS')
  const corsOrigins = corsRaw
    ? corsRaw
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean)
    : []
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError('CORS_ORIGINS', `"${origin}" is not an origin like https://analyst.example.org`)
    }
  }
  const config: Config = {
    mode,
    host,
    port,
    dataDir,
    database: url ? { kind: 'postgres', url, poolMax } : { kind: 'embedded', dir: path.join(dataDir, 'pgdata') },
    issuer: issuer(env, mode, host, port),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    migrateOnStart: bool(env, 'MIGRATE_ON_START', true),
    trustListFile: file(env, 'MEMBER_TRUST_LIST', mode, cwd),
    gatewayTokenKeysFile: file(env, 'GATEWAY_TOKEN_KEYS', mode, cwd),
    gatewayReceiptKeysFile: file(env, 'GATEWAY_RECEIPT_KEYS', mode, cwd),
    gatewaySecretKeysFile: file(env, 'GATEWAY_SECRET_KEYS', mode, cwd),
    accessTokenTtlSeconds: int(env, 'ACCESS_TOKEN_TTL', 600, 30, 600),
    bodyLimitBytes: int(env, 'BODY_LIMIT', 1_048_576, 1024, 64 * 1_048_576),
    recordMaxBytes: int(env, 'RECORD_MAX_BYTES', 262_144, 1024, 16 * 1_048_576),
    leadLookupsPerDay: int(env, 'LEAD_LOOKUPS_PER_DAY', 50_000, 1, 100_000_000),
    publishSelectorsPerDay: int(env, 'PUBLISH_SELECTORS_PER_DAY', 20_000, 1, 100_000_000),
    recordMaxSelectors: int(env, 'RECORD_MAX_SELECTORS', 100, 1, 10_000),
    corsOrigins,
    graphqlMaxDepth: int(env, 'GRAPHQL_MAX_DEPTH', 8, 2, 32),
    graphqlMaxCost: int(env, 'GRAPHQL_MAX_COST', 1000, 10, 100_000),
    graphqlIntrospection: bool(env, 'GRAPHQL_INTROSPECTION', mode !== 'production'),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 300_000),
    trustProxy: bool(env, 'TRUST_PROXY', false),
    metrics: metrics(env, mode, port),
    webhooks: webhooks(env, mode),
    streamsPerMember: int(env, 'STREAMS_PER_MEMBER', 10, 1, 10_000),
  }
  return Object.freeze(config)
}
