// Property-based fuzz of the whole API (issue 11): generated bodies, parameters and headers to every
// route of the contract and every GraphQL root field, over a seeded state. Never a 5xx; every REST
// refusal a complete problem+json; every GraphQL error a 4xx-class extensions.code; and a refused
// request changes no table but audit_log and assertion_jtis. FUZZ_SEED=<n> replays a run.
import fs from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { buildSchema, type GraphQLField } from 'graphql'
import { sql } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest'
import { projectFile } from '../../src/project-files.js'
import { loadContract } from '../../src/rest/contract.js'
import { startGateway, type TestGateway } from '../support/app.js'
import { graphqlFailures, problemFailures } from '../support/fuzz-checks.js'
import { type Body, deref, headersArb, type Headers, type Part, restCaseArb } from '../support/fuzz-arbitraries.js'
import { document, gqlCaseArb } from '../support/fuzz-graphql.js'
import { type FuzzState, refreshSignedRequests, seedFuzzState } from '../support/fuzz-seed.js'

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31)
if (!Number.isSafeInteger(SEED)) throw new Error(`FUZZ_SEED must be an integer, not ${process.env.FUZZ_SEED}`)
console.log(`fuzz seed ${SEED}`)
const RUNS = 50
const TIMEOUT = 60_000
type Json = Record<string, unknown>
const contract = loadContract()
const doc = contract.doc
const schemaDir = projectFile('schema')
const gqlSchema = buildSchema(
  fs
    .readdirSync(schemaDir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => fs.readFileSync(path.join(schemaDir, f), 'utf8'))
    .join('\n'),
)

let gw: TestGateway
let state: FuzzState
let tables: string[] = []
const inject = (o: InjectOptions) => gw.app.inject(o)

beforeAll(async () => {
  gw = await startGateway()
  state = await seedFuzzState(gw)
  tables = (
    await sql<{
      name: string
    }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(
      gw.app.db,
    )
  ).rows
    .map((t) => t.name)
    .filter((t) => !['audit_log', 'assertion_jtis'].includes(t) && !t.startsWith('kysely_'))
  // The state check is only as good as this list: it must see the tables requests write.
  for (const t of ['members', 'member_keys', 'records', 'access_requests', 'match_contacts', 'member_policies', 'events', 'lead_lookups'])
    if (!tables.includes(t)) throw new Error(`table ${t} not fingerprinted`)
}, 120_000)
afterAll(async () => gw?.close())
beforeEach(async () => refreshSignedRequests(gw, state))

/** Per table (but the audit log, assertion ids and kysely's own): row count and a hash of every row. */
async function fingerprint(): Promise<Map<string, string>> {
  const q = tables
    .map((t) => `select '${t}' as t, count(*) || ':' || coalesce(md5(string_agg(x::text, '|' order by x::text)), '') as h from "${t}" x`)
    .join(' union all ')
  return new Map((await sql.raw<{ t: string; h: string }>(q).execute(gw.app.db)).rows.map((r) => [r.t, r.h]))
}
let last = new Map<string, string>()
/** What changed since the previous request (each case's "before" is the previous case's "after": requests run one at a time). */
async function changed(): Promise<string[]> {
  const now = await fingerprint()
  const diff = [...now].filter(([t, h]) => last.get(t) !== h).map(([t]) => t)
  last = now
  return diff
}

const cut = (s: string, n = 600) => (s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s)
const show = (o: InjectOptions, res: LightMyRequestResponse) =>
  `${o.method} ${cut(String(o.url), 300)}\n  headers: ${cut(
    [...state.tokens].reduce((text, [label, t]) => text.split(t).join(label), JSON.stringify(o.headers ?? {})),
    300,
  )}\n  body: ${typeof o.payload === 'string' ? cut(JSON.stringify(o.payload)) : o.payload ? `<${(o.payload as Buffer).length} bytes, UTF-16LE>` : '(none)'}\n  → ${res.statusCode} ${res.headers['content-type'] ?? ''} ${cut(res.body)}`

/** Percent-encodes the WTF-8 bytes of `s` (a lone surrogate becomes %ED%A0%80: invalid UTF-8, as an attacker sends it). */
function pct(s: string): string {
  let out = ''
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    if (/^[A-Za-z0-9_.~-]$/.test(ch)) out += ch
    else {
      const bytes =
        c < 0x80
          ? [c]
          : c < 0x800
            ? [0xc0 | (c >> 6), 0x80 | (c & 63)]
            : c < 0x10000
              ? [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63)]
              : [0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63)]
      out += bytes.map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')
    }
  }
  return out
}
const enc = (p: Part) => (typeof p === 'string' ? pct(p) : p.raw)
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v)
const field = (x: unknown) => (typeof x === 'string' ? x : JSON.stringify(x))

function payload(body: Body, ct: string | undefined): string | Buffer | undefined {
  if ('none' in body) return undefined
  if ('deep' in body)
    return body.array ? `${'['.repeat(body.deep)}${']'.repeat(body.deep)}` : `${'{"a":'.repeat(body.deep)}1${'}'.repeat(body.deep)}`
  if ('text' in body) return body.text
  const type = (ct ?? '').toLowerCase()
  const v = body.json
  if (type.startsWith('application/x-www-form-urlencoded'))
    return isObject(v) ? new URLSearchParams(Object.entries(v).map(([k, x]): [string, string] => [k, field(x)])).toString() : field(v)
  if (type.startsWith('multipart/form-data'))
    return `${
      isObject(v)
        ? Object.entries(v)
            .map(([k, x]) => `--fuzz\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${field(x)}\r\n`)
            .join('')
        : ''
    }--fuzz--\r\n`
  return type.includes('utf-16') ? Buffer.from(JSON.stringify(v), 'utf16le') : JSON.stringify(v)
}

const headersOf = (h: Headers) => ({
  ...(h.ct ? { 'content-type': h.ct } : {}),
  ...(h.auth ? { authorization: h.auth.replace(/<[^>]+>/, (label) => state.tokens.get(label) ?? label) } : {}),
  ...(h.rid ? { 'x-request-id': h.rid } : {}),
})

// FUZZ_STATS=1 prints, per target, how often each status and code came back (how deep the inputs reach).
const stats = new Map<string, number>()
function count(res: LightMyRequestResponse): void {
  const code = /"code":"([A-Z][A-Z_]{2,})"/.exec(res.body)?.[1]
  const key = `${res.statusCode}${code ? ` ${code}` : ''}`
  stats.set(key, (stats.get(key) ?? 0) + 1)
}

async function property<T>(target: string, arb: fc.Arbitrary<T>, run: (c: T) => Promise<void>): Promise<void> {
  last = await fingerprint()
  stats.clear()
  try {
    await fc.assert(fc.asyncProperty(arb, run), { seed: SEED, numRuns: RUNS })
  } finally {
    if (process.env.FUZZ_STATS) console.log(target, JSON.stringify(Object.fromEntries([...stats].sort())))
  }
}

const operations = Object.entries(doc.paths as Json).flatMap(([template, item]) =>
  (['get', 'post', 'put', 'patch', 'delete'] as const).flatMap((method) => {
    const op = (item as Json)[method] as Json | undefined
    if (!op) return []
    const params = [...(((item as Json).parameters as unknown[]) ?? []), ...((op.parameters as unknown[]) ?? [])].map(
      (p) => deref(doc, p) as Json,
    )
    const content = (op.requestBody as { content?: Record<string, { schema: unknown }> } | undefined)?.content
    const ok = (op.responses as Record<string, { content?: Record<string, unknown> }> | undefined)?.['200']?.content ?? {}
    return [{ id: String(op.operationId), method: method.toUpperCase(), template, params, content, endless: 'text/event-stream' in ok }]
  }),
)

/**
 * An endless answer (an event stream) is read whole only when it is a refusal; an open stream is left
 * as a client that goes away leaves it, so it holds no slot into the next case.
 */
async function injectEndless(o: InjectOptions): Promise<LightMyRequestResponse> {
  const res = await gw.app.inject({ ...o, payloadAsStream: true })
  let body = ''
  if (res.statusCode === 200) res.raw.res.destroy()
  else for await (const chunk of res.stream()) body += chunk
  return { statusCode: res.statusCode, headers: res.headers, body, json: () => JSON.parse(body) } as unknown as LightMyRequestResponse
}

function restTarget(op: (typeof operations)[number]): void {
  it(
    op.id,
    async () => {
      const arb = restCaseArb(doc, op, state.pools, [...state.tokens.keys()], state.refs)
      await property(op.id, arb, async (c) => {
        const search = c.query.map(([k, v]) => `${pct(k)}=${enc(v)}`).join('&')
        const url = op.template.replace(/\{(\w+)\}/g, (_, n: string) => enc(c.path[n] ?? '')) + (search ? `?${search}` : '')
        const headers = headersOf(c.headers)
        const body = payload(c.body, headers['content-type'])
        const req: InjectOptions = { method: op.method as 'GET', url, headers, ...(body === undefined ? {} : { payload: body }) }
        const res = op.endless ? await injectEndless(req) : await inject(req)
        count(res)
        const diff = await changed()
        const failures =
          res.statusCode >= 500
            ? [`a ${res.statusCode}`]
            : res.statusCode >= 400
              ? [...problemFailures(res), ...(diff.length ? [`a refused request changed ${diff.join(', ')}`] : [])]
              : []
        if (failures.length) throw new Error(`${failures.join('; ')}\n${show(req, res)}`)
      })
    },
    TIMEOUT,
  )
}
// Retiring or revoking a member's key ends its access tokens: those two run last, so the rest runs with live tokens.
const lifecycle = (id: string) => /^(retire|revoke)MemberKey$/.test(id)
describe('REST: every operation of the contract', () => operations.filter((op) => !lifecycle(op.id)).forEach(restTarget))

const roots = [
  ...Object.values(gqlSchema.getQueryType()!.getFields()).map((f) => ['query', f] as const),
  ...Object.values(gqlSchema.getMutationType()!.getFields()).map((f) => ['mutation', f] as const),
]

describe('GraphQL: every root field', () => {
  for (const [operation, f] of roots) {
    it(
      `${operation} ${f.name}`,
      async () => {
        const gqlField = f as GraphQLField<unknown, unknown>
        const gqlHeadersArb = fc.oneof(
          { weight: 4, arbitrary: headersArb([], [...state.tokens.keys()], true) },
          { weight: 1, arbitrary: headersArb([], [...state.tokens.keys()], false) },
        )
        await property(f.name, fc.tuple(gqlCaseArb(gqlField, state.pools), gqlHeadersArb), async ([c, h]) => {
          const { query, variables } = document(operation, gqlField, c)
          const headers = headersOf({ ...h, ct: c.get ? undefined : 'application/json' })
          const req: InjectOptions = c.get
            ? {
                method: 'GET',
                url: `/graphql?${new URLSearchParams({ query, ...(variables ? { variables: JSON.stringify(variables) } : {}) })}`,
                headers,
              }
            : { method: 'POST', url: '/graphql', headers, payload: JSON.stringify({ query, ...(variables ? { variables } : {}) }) }
          const res = await inject(req)
          count(res)
          const diff = await changed()
          const { failures, refused } = graphqlFailures(res, f.name)
          if (refused && diff.length) failures.push(`a refused request changed ${diff.join(', ')}`)
          if (failures.length) throw new Error(`${failures.join('; ')}\n${show(req, res)}`)
        })
      },
      TIMEOUT,
    )
  }
})

describe('REST: key lifecycle, last', () => operations.filter((op) => lifecycle(op.id)).forEach(restTarget))
