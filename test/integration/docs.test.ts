// The self-describing API without a browser: /openapi.json and /openapi.yaml are the contract with this
// gateway as its server, /docs and /graphiql carry a strict CSP and security headers, every file they
// reference is served by the gateway with the right type, and production has no GraphiQL.
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { freshDatabase } from '../support/database.js'
import { productionSetup } from '../support/production.js'
import { ISSUER, startGateway, type TestGateway } from '../support/app.js'
import { assertMatchesContract } from '../support/contract.js'

const ROOT = path.resolve(import.meta.dirname, '../..')
const contractFile = () => parse(fs.readFileSync(path.join(ROOT, 'contracts/openapi.yaml'), 'utf8')) as Record<string, unknown>
const packageFile = (pkg: string, file: string) =>
  path.join(path.dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`)), file)
const TYPES: Record<string, RegExp> = {
  '.js': /^text\/javascript; charset=utf-8$/,
  '.css': /^text\/css; charset=utf-8$/,
  '.png': /^image\/png$/,
}

let gw: TestGateway
beforeAll(async () => {
  gw = await startGateway()
})
afterAll(async () => gw?.close())

/** Every src= and href= of a page; each must be a path on this gateway. */
function references(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]!)
}

function expectSecurityHeaders(headers: Record<string, unknown>): void {
  expect(headers['x-content-type-options']).toBe('nosniff')
  expect(headers['referrer-policy']).toBe('no-referrer')
  expect(headers['x-frame-options']).toBe('DENY')
}

/** The CSP as directive → sources. */
function csp(header: unknown): Record<string, string[]> {
  return Object.fromEntries(
    String(header)
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...sources]) => [name!, sources]),
  )
}

describe('the contract, served', () => {
  it('/openapi.json is the contract file with this gateway (its issuer) as the only server, with no token', async () => {
    const res = await gw.app.inject({ method: 'GET', url: '/openapi.json' })
    assertMatchesContract('getOpenApiJson', res)
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(res.headers['cache-control']).toBe('public, max-age=300')
    expectSecurityHeaders(res.headers)
    const file = contractFile()
    expect(res.json()).toEqual({ ...file, servers: [{ url: ISSUER }] })
    expect(Object.keys(res.json())).toEqual(Object.keys({ ...file, servers: [] }))
    expect(res.json().paths['/v1/records/{originator}/{id}'].get.operationId).toBe('getRecord')
  })

  it('/openapi.yaml parses to the same document', async () => {
    const res = await gw.app.inject({ method: 'GET', url: '/openapi.yaml' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('application/yaml; charset=utf-8')
    expect(parse(res.body)).toEqual({ ...contractFile(), servers: [{ url: ISSUER }] })
  })

  it('answers a matching If-None-Match with 304 and no body, a stale one with the document', async () => {
    const first = await gw.app.inject({ method: 'GET', url: '/openapi.json' })
    const etag = String(first.headers.etag)
    expect(etag).toMatch(/^"[\w-]{27}"$/)
    const again = await gw.app.inject({ method: 'GET', url: '/openapi.json', headers: { 'if-none-match': `"other", ${etag}` } })
    expect([again.statusCode, again.body]).toEqual([304, ''])
    const stale = await gw.app.inject({ method: 'GET', url: '/openapi.json', headers: { 'if-none-match': '"other"' } })
    expect(stale.statusCode).toBe(200)
  })
})

describe('/docs and /graphiql', () => {
  for (const page of ['/docs', '/graphiql']) {
    it(`${page} is HTML under a CSP of 'self' with no inline script and no framing`, async () => {
      const res = await gw.app.inject({ method: 'GET', url: page })
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(res.headers['cache-control']).toBe('no-cache')
      expectSecurityHeaders(res.headers)
      const policy = csp(res.headers['content-security-policy'])
      expect(policy['default-src']).toEqual(["'self'"])
      // script-src falls back to default-src: no inline script, no eval, nothing from elsewhere
      expect(policy['script-src']).toBeUndefined()
      expect(policy['frame-ancestors']).toEqual(["'none'"])
      expect(policy['base-uri']).toEqual(["'none'"])
      expect(policy['form-action']).toEqual(["'none'"])
      expect(policy['object-src']).toEqual(["'none'"])
      // inline styles only by hash; data: only for images (Swagger UI) or fonts (GraphiQL)
      for (const s of policy['style-src'] ?? []) expect(s).toMatch(/^'self'$|^'sha256-[A-Za-z0-9+/]{43}='$/)
      expect(Object.keys(policy).sort()).toEqual(
        [
          'base-uri',
          'default-src',
          'form-action',
          'frame-ancestors',
          'object-src',
          'style-src',
          page === '/docs' ? 'img-src' : 'font-src',
        ].sort(),
      )
      expect(policy[page === '/docs' ? 'img-src' : 'font-src']).toEqual(["'self'", 'data:'])
      expect(res.body).not.toMatch(/<script>|<script [^>]*>[^<\s]|<style|\sstyle=|\son\w+=/)
    })

    it(`every file ${page} references is served by the gateway with its content type`, async () => {
      const html = (await gw.app.inject({ method: 'GET', url: page })).body
      const refs = references(html)
      expect(refs.length).toBeGreaterThanOrEqual(6)
      for (const ref of refs) {
        expect(ref, 'a path on this gateway, never another host').toMatch(/^\/(?!\/)/)
        const res = await gw.app.inject({ method: 'GET', url: ref })
        expect(res.statusCode, ref).toBe(200)
        expect(res.headers['content-type'], ref).toMatch(TYPES[path.extname(ref)]!)
        expect(res.headers['cache-control'], ref).toBe('public, max-age=300')
        expectSecurityHeaders(res.headers)
        expect(csp(res.headers['content-security-policy'])['default-src'], ref).toEqual(["'none'"])
        expect(res.rawPayload.length, ref).toBeGreaterThan(0)
      }
    })
  }

  it('serves the vendor files byte for byte from node_modules, and our initializers name no other host', async () => {
    const same = [
      ['/docs/assets/swagger-ui-bundle.js', packageFile('swagger-ui-dist', 'swagger-ui-bundle.js')],
      ['/docs/assets/swagger-ui-standalone-preset.js', packageFile('swagger-ui-dist', 'swagger-ui-standalone-preset.js')],
      ['/graphiql/assets/graphiql.min.js', packageFile('graphiql', 'graphiql.min.js')],
      ['/graphiql/assets/react-dom.production.min.js', packageFile('react-dom', 'umd/react-dom.production.min.js')],
    ]
    for (const [url, file] of same)
      expect((await gw.app.inject({ method: 'GET', url: url! })).rawPayload.equals(fs.readFileSync(file!)), url).toBe(true)
    for (const url of ['/docs/assets/swagger-ui.init.js', '/graphiql/assets/graphiql.init.js', '/docs/assets/page.css']) {
      expect((await gw.app.inject({ method: 'GET', url })).body).not.toMatch(/https?:\/\/|\/\/[a-z]/i)
    }
    // Swagger UI's validator badge is an image from an outside service unless switched off.
    expect((await gw.app.inject({ method: 'GET', url: '/docs/assets/swagger-ui.init.js' })).body).toMatch(/validatorUrl: null/)
  })

  it('answers an unknown asset like any unknown route', async () => {
    const res = await gw.app.inject({ method: 'GET', url: '/docs/assets/swagger-initializer.js' })
    expect([res.statusCode, res.headers['content-type']]).toEqual([404, 'application/problem+json; charset=utf-8'])
  })
})

describe('production mode', () => {
  it('serves the contract and /docs but no GraphiQL page or assets', async () => {
    const db = await freshDatabase()
    const issuer = 'https://exchange.icacn.example'
    const app = await buildApp(loadConfig((await productionSetup(db, issuer)).env))
    try {
      expect((await app.inject({ method: 'GET', url: '/openapi.json' })).json().servers).toEqual([{ url: issuer }])
      expect((await app.inject({ method: 'GET', url: '/docs' })).statusCode).toBe(200)
      for (const url of ['/graphiql', '/graphiql/assets/graphiql.min.js', '/graphiql/assets/graphiql.init.js']) {
        const res = await app.inject({ method: 'GET', url })
        expect([url, res.statusCode, res.json().code]).toEqual([url, 404, 'NOT_FOUND'])
      }
    } finally {
      await app.close()
      await db.cleanup()
    }
  })
})
