// Configuration: defaults for a fresh clone, and one clear error naming the variable for bad values.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.js'

const errorFor = (env: Record<string, string>): ConfigError => {
  try {
    loadConfig(env, '/srv/icacn')
  } catch (e) {
    if (e instanceof ConfigError) return e
    throw e
  }
  throw new Error('expected a ConfigError')
}

describe('loadConfig', () => {
  it('defaults to development on the embedded database under ./data, on 127.0.0.1:8080', () => {
    const c = loadConfig({}, '/srv/icacn')
    expect(c).toMatchObject({
      mode: 'development',
      host: '127.0.0.1',
      port: 8080,
      dataDir: '/srv/icacn/data',
      logLevel: 'info',
      accessTokenTtlSeconds: 600,
      corsOrigins: [],
    })
    expect(c.database).toEqual({ kind: 'embedded', dir: path.join('/srv/icacn/data', 'pgdata') })
    expect(c.issuer).toBe('http://127.0.0.1:8080')
    expect(Object.isFrozen(c)).toBe(true)
  })

  it('uses PostgreSQL when DATABASE_URL is set', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', DATABASE_POOL_MAX: '4' })
    expect(c.database).toEqual({ kind: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test', poolMax: 4 })
  })

  it.each([
    [{ ICACN_MODE: 'staging' }, 'ICACN_MODE'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://root@127.0.0.1/test' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'],
    [{ ACCESS_TOKEN_TTL: '3600' }, 'ACCESS_TOKEN_TTL'],
    [{ GATEWAY_AUDIENCE: 'exchange' }, 'GATEWAY_AUDIENCE'],
    [{ CORS_ORIGINS: 'https://ok.example,*' }, 'CORS_ORIGINS'],
    [{ MIGRATE_ON_START: 'maybe' }, 'MIGRATE_ON_START'],
    [{ BODY_LIMIT: '-1' }, 'BODY_LIMIT'],
    [{ GRAPHQL_INTROSPECTION: 'yes' }, 'GRAPHQL_INTROSPECTION'],
    [{ HOST: 'not-a-host' }, 'HOST'],
    [{ HOST: '203.0.113.9:8080' }, 'HOST'],
    [{ METRICS_PORT: 'prometheus' }, 'METRICS_PORT'],
    [{ METRICS_PORT: '8080' }, 'METRICS_PORT'],
    [{ METRICS_PORT: '9464', METRICS_HOST: 'metrics.internal' }, 'METRICS_HOST'],
  ])('refuses %o naming %s', (env, variable) => {
    const e = errorFor(env)
    expect(e.variable).toBe(variable)
    expect(e.message.startsWith(`${variable}: `)).toBe(true)
    expect(e.message).not.toContain('\n')
  })

  it('production requires an https audience, a trust list and both gateway key files', () => {
    const base = { ICACN_MODE: 'production' }
    expect(errorFor(base).variable).toBe('GATEWAY_AUDIENCE')
    expect(errorFor({ ...base, GATEWAY_AUDIENCE: 'http://exchange.icacn.example' }).variable).toBe('GATEWAY_AUDIENCE')
    const withAud = { ...base, GATEWAY_AUDIENCE: 'https://exchange.icacn.example' }
    expect(errorFor(withAud).variable).toBe('MEMBER_TRUST_LIST')
    expect(errorFor({ ...withAud, MEMBER_TRUST_LIST: 'trust.json' }).variable).toBe('GATEWAY_TOKEN_KEYS')
    expect(errorFor({ ...withAud, MEMBER_TRUST_LIST: 'trust.json', GATEWAY_TOKEN_KEYS: 't.json' }).variable).toBe('GATEWAY_RECEIPT_KEYS')
    expect(
      errorFor({ ...withAud, MEMBER_TRUST_LIST: 'trust.json', GATEWAY_TOKEN_KEYS: 't.json', GATEWAY_RECEIPT_KEYS: 'r.json' }).variable,
    ).toBe('GATEWAY_SECRET_KEYS')
    const ok = loadConfig(
      {
        ...withAud,
        MEMBER_TRUST_LIST: 'trust.json',
        GATEWAY_TOKEN_KEYS: 't.json',
        GATEWAY_RECEIPT_KEYS: 'r.json',
        GATEWAY_SECRET_KEYS: 's.json',
      },
      '/srv/icacn',
    )
    expect(ok).toMatchObject({
      mode: 'production',
      trustListFile: '/srv/icacn/trust.json',
      gatewayTokenKeysFile: '/srv/icacn/t.json',
      gatewaySecretKeysFile: '/srv/icacn/s.json',
    })
  })

  it('answers GraphQL introspection in development, and in production only when GRAPHQL_INTROSPECTION=true', () => {
    const production = {
      ICACN_MODE: 'production',
      GATEWAY_AUDIENCE: 'https://exchange.icacn.example',
      MEMBER_TRUST_LIST: 'trust.json',
      GATEWAY_TOKEN_KEYS: 't.json',
      GATEWAY_RECEIPT_KEYS: 'r.json',
      GATEWAY_SECRET_KEYS: 's.json',
    }
    expect(loadConfig({}).graphqlIntrospection).toBe(true)
    expect(loadConfig({ GRAPHQL_INTROSPECTION: 'false' }).graphqlIntrospection).toBe(false)
    expect(loadConfig(production).graphqlIntrospection).toBe(false)
    expect(loadConfig({ ...production, GRAPHQL_INTROSPECTION: 'true' }).graphqlIntrospection).toBe(true)
  })

  it('listens on IP addresses (or localhost) only: a name would be resolved at start', () => {
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0')
    expect(loadConfig({ HOST: '::' }).issuer).toBe('http://[::]:8080')
    expect(loadConfig({ HOST: 'localhost' }).host).toBe('localhost')
    expect(errorFor({ HOST: 'not-a-host' }).message).toBe(
      'HOST: must be an IP address to listen on, such as 127.0.0.1, 0.0.0.0 or ::, or localhost (got "not-a-host")',
    )
  })

  it('serves metrics on 127.0.0.1:9464 by default in production, off in development unless METRICS_PORT is set, never on PORT', () => {
    const production = {
      ICACN_MODE: 'production',
      GATEWAY_AUDIENCE: 'https://exchange.icacn.example',
      MEMBER_TRUST_LIST: 'trust.json',
      GATEWAY_TOKEN_KEYS: 't.json',
      GATEWAY_RECEIPT_KEYS: 'r.json',
      GATEWAY_SECRET_KEYS: 's.json',
    }
    expect(loadConfig(production).metrics).toEqual({ host: '127.0.0.1', port: 9464 })
    expect(loadConfig({ ...production, METRICS_PORT: '0' }).metrics).toBeNull()
    expect(loadConfig({}).metrics).toBeNull()
    expect(loadConfig({ METRICS_PORT: '9464' }).metrics).toEqual({ host: '127.0.0.1', port: 9464 })
    expect(loadConfig({ METRICS_PORT: '9100', METRICS_HOST: '10.20.0.5' }).metrics).toEqual({ host: '10.20.0.5', port: 9100 })
    expect(errorFor({ PORT: '9100', METRICS_PORT: '9100' }).message).toBe(
      'METRICS_PORT: must differ from PORT (9100): metrics never share the API port',
    )
  })

  it('documents every variable it reads in the README', () => {
    const src = fs.readFileSync(new URL('../../src/config.ts', import.meta.url), 'utf8')
    const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const vars = [...src.matchAll(/\(env, '([A-Z_]+)'/g)].map((m) => m[1])
    expect(vars.length).toBeGreaterThan(10)
    for (const v of new Set([...vars, 'DATABASE_URL', 'GATEWAY_AUDIENCE'])) expect(readme, v).toContain(`\`${v}\``)
  })
})
