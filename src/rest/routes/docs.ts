// The API describes itself with no outside network: the contract at /openapi.json and /openapi.yaml,
// Swagger UI at /docs and, in development mode, GraphiQL at /graphiql. Every file a page loads is
// served from the gateway's own files (node_modules, src/rest/docs/) under a CSP of 'self'.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { stringify } from 'yaml'
import { projectFile } from '../../project-files.js'
import type { Contract } from '../contract.js'

export interface DocsOptions {
  contract: Contract
  /** The gateway's issuer identifier: the one server the served contract names. */
  issuer: string
  /** Serve GraphiQL (development mode only; in production /graphiql is an unknown route). */
  graphiql: boolean
}

interface Asset {
  body: Buffer
  type: string
  etag: string
  cache: string
}

// Directives default-src does not cover (base-uri, form-action, frame-ancestors) or that we want
// tighter than 'self' (object-src): no <base> rewriting, no form posts, no framing (clickjacking).
const LOCKED = "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'"
/** Everything that is not a page (scripts, styles, the contract): nothing runs if opened directly. */
const ASSET_CSP = `default-src 'none'; ${LOCKED}`
/**
 * Swagger UI draws its icons from data: SVG images in swagger-ui.css, and its standalone preset's
 * logo carries one fixed <style> element: allowed by its hash (see presetStyleHashes), not 'unsafe-inline'.
 */
const docsCsp = (styleHashes: string[]) =>
  `default-src 'self'; img-src 'self' data:; style-src 'self'${styleHashes.map((h) => ` '${h}'`).join('')}; ${LOCKED}`
/**
 * GraphiQL's CSS embeds its fonts as data: URLs. Its dialogs (settings, short keys) lock scrolling
 * with one generated <style> (react-remove-scroll-bar); on this page, which never scrolls, its text
 * is always the same, so it is allowed by hash. A different text is blocked and costs only the lock.
 */
const SCROLL_LOCK_STYLE = "'sha256-Y/huXlwoYkVyQlxwSVcCi1RCDGDCSVBzDt0hYP9qlTc='"
const GRAPHIQL_CSP = `default-src 'self'; font-src 'self' data:; style-src 'self' ${SCROLL_LOCK_STYLE}; ${LOCKED}`

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.html': 'text/html; charset=utf-8',
}

function asset(body: Buffer | string, type: string, cache = 'public, max-age=300'): Asset {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body
  const etag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`
  return { body: bytes, type, etag, cache }
}

function fileAsset(file: string, cache?: string): Asset {
  const type = TYPES[path.extname(file)]
  if (!type) throw new Error(`docs: no content type for ${file}`)
  return asset(fs.readFileSync(file), type, cache)
}

function send(request: FastifyRequest, reply: FastifyReply, a: Asset): FastifyReply {
  reply.header('cache-control', a.cache).header('etag', a.etag).type(a.type)
  const given = request.headers['if-none-match']
  if (given && (given.trim() === '*' || given.split(',').some((t) => t.trim().replace(/^W\//, '') === a.etag)))
    return reply.code(304).send()
  return reply.send(a.body)
}

/** CSP hashes of the fixed <style> elements the preset renders (React.createElement("style", null, "…")). */
function presetStyleHashes(preset: string): string[] {
  return [...preset.matchAll(/createElement\("style",null,"([^"\\]*)"\)/g)].map(
    (m) => `sha256-${createHash('sha256').update(m[1]!).digest('base64')}`,
  )
}

/** The contract as served: the same document, its `servers` replaced by this gateway's issuer. */
function servedContract(doc: Record<string, unknown>, issuer: string): Record<string, unknown> {
  const entries = Object.entries(doc).filter(([key]) => key !== 'servers')
  entries.splice(entries.findIndex(([key]) => key === 'info') + 1, 0, ['servers', [{ url: issuer }]])
  return Object.fromEntries(entries)
}

export default async function docsRoutes(app: FastifyInstance, opts: DocsOptions): Promise<void> {
  // Resolved here, at registration: a missing package fails the start, not the first page view.
  const require = createRequire(import.meta.url)
  const packageFile = (pkg: string, file: string) => path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file)
  const ours = (file: string) => projectFile(`src/rest/docs/${file}`)

  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').header('x-frame-options', 'DENY')
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', ASSET_CSP)
  })
  const route = (url: string, a: Asset, csp?: string) =>
    app.get(url, async (request, reply) => {
      if (csp) reply.header('content-security-policy', csp)
      return send(request, reply, a)
    })

  const served = servedContract(opts.contract.doc, opts.issuer)
  route('/openapi.json', asset(JSON.stringify(served), 'application/json; charset=utf-8'))
  route('/openapi.yaml', asset(stringify(served, { aliasDuplicateObjects: false }), 'application/yaml; charset=utf-8'))

  const preset = fileAsset(packageFile('swagger-ui-dist', 'swagger-ui-standalone-preset.js'))
  route('/docs', fileAsset(ours('docs.html'), 'no-cache'), docsCsp(presetStyleHashes(preset.body.toString('utf8'))))
  route('/docs/assets/swagger-ui-standalone-preset.js', preset)
  const docsAssets: Record<string, string> = {
    'swagger-ui-bundle.js': packageFile('swagger-ui-dist', 'swagger-ui-bundle.js'),
    'swagger-ui.css': packageFile('swagger-ui-dist', 'swagger-ui.css'),
    'favicon-32x32.png': packageFile('swagger-ui-dist', 'favicon-32x32.png'),
    'swagger-ui.init.js': ours('swagger-ui.init.js'),
    'page.css': ours('page.css'),
  }
  for (const [name, file] of Object.entries(docsAssets)) route(`/docs/assets/${name}`, fileAsset(file))

  if (!opts.graphiql) return
  route('/graphiql', fileAsset(ours('graphiql.html'), 'no-cache'), GRAPHIQL_CSP)
  const graphiqlAssets: Record<string, string> = {
    // graphiql 3.x is the last line with a UMD build; React 18 is the last with UMD files.
    'graphiql.min.js': packageFile('graphiql', 'graphiql.min.js'),
    'graphiql.min.css': packageFile('graphiql', 'graphiql.min.css'),
    'react.production.min.js': packageFile('react', 'umd/react.production.min.js'),
    'react-dom.production.min.js': packageFile('react-dom', 'umd/react-dom.production.min.js'),
    'graphiql.init.js': ours('graphiql.init.js'),
  }
  for (const [name, file] of Object.entries(graphiqlAssets)) route(`/graphiql/assets/${name}`, fileAsset(file))
}
