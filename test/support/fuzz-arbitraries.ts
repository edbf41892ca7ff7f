// Fast-check arbitraries for the API fuzz test (test/integration/fuzz.test.ts): REST cases built from
// the contract's JSON Schemas (following $refs) with real seeded values mixed in, either valid-shaped
// throughout, valid but for one hostile part (so the hostile value reaches the service), or hostile anywhere.
import fc from 'fast-check'

type Json = Record<string, unknown>
/** Real values (ids, member codes, signed JWTs…) by parameter or property name, mixed into what is generated. */
export type Pools = Record<string, readonly unknown[]>
/** A URL part: a string to percent-encode, or `raw` text put into the URL as it is (%-garbage). */
export type Part = string | { raw: string }
/** A request body as generated: JSON, nesting deeper than any parser should recurse, non-JSON text, or none. */
export type Body = { json: unknown } | { deep: number; array: boolean } | { text: string } | { none: true }
export interface Headers {
  ct: string | undefined
  auth: string | undefined
  rid: string | undefined
}
export interface RestCase {
  path: Record<string, Part>
  query: Array<[string, Part]>
  body: Body
  headers: Headers
}
export interface RestOp {
  id: string
  template: string
  params: Json[]
  content?: Record<string, { schema: unknown }>
}

export const HOSTILE_DATES = [
  '0000-01-01T00:00:00Z',
  '2016-12-31T23:59:60Z',
  '275760-09-13T00:00:00.000Z',
  '275760-09-13T00:00:00.001Z',
  '-000001-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '-271821-04-20T00:00:00Z',
  '2024-02-30T12:00:00Z',
  '2024-01-01',
  '2024-13-01T00:00:00Z',
  '1970-01-01T00:00:00+14:00',
  '9999-12-31T23:59:59.999999999Z',
  '0001-01-01T00:00:00Z',
  'yesterday',
]
const NUMERIC = [
  '1e309',
  '-0',
  '0',
  '-1',
  '1.0',
  '1.5',
  ' 1',
  '0x10',
  '1e3',
  'Infinity',
  '2147483648',
  '-2147483649',
  '9007199254740993',
  '99999999999999999999',
]
const HOSTILE = [
  '',
  ' ',
  'XX',
  'kr',
  'K',
  'KRR',
  'NaN',
  'null',
  'true',
  '[]',
  '{}',
  '..',
  'a/b',
  'a?b=c',
  'a#b',
  '%00',
  '\u0000',
  'K\u0000R',
  '\uD800',
  '\uDFFF\uD800',
  '\u202Eevil',
  '\uFEFF',
  'İ',
  'ß',
  'ﬀ',
  '정수담',
  'ສົມພອນ',
  'ប្រាក់',
  'မင်္ဂလာ',
  '😀',
  "'; drop table records; --",
  '{"$gt":""}',
  '<img src=x onerror=1>',
  '__proto__',
  'constructor',
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
]
/** Values of the wrong JSON type for nearly any field. */
export const WRONG: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 31,
  2 ** 53 + 2,
  1e308,
  -1e308,
  '',
  'x',
  [],
  [null],
  {},
  { a: {} },
]
const RAW = ['%', '%Z', '%ZZ', '%E0%A4%A', '%C0%AF', '%FF', '%00', '%ED%A0%80', '%2e%2e', '%252F', '%F0%9F%98']

const long = fc
  .tuple(fc.constantFrom(65, 129, 257, 513, 2049, 8193, 70_000), fc.constantFrom('a', 'é', '한', '😀'))
  .map(([n, c]) => c.repeat(n))
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_DATES, ...NUMERIC) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 2, arbitrary: long },
)
/** Numbers at the edges of 32-bit, 53-bit and double ranges. */
export const EDGE_NUMBERS = [2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, 1e21, 1e308, -1, 0, 0.5]
/** A hostile JSON leaf: hostile text and dates, edge numbers, or a value of the wrong type. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.constantFrom(...EDGE_NUMBERS) },
  { weight: 2, arbitrary: fc.constantFrom(...WRONG) },
)
const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 })
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype

/** `schema` with its $refs into `doc` followed. */
export function deref(doc: Json, schema: unknown): Json | undefined {
  let node = schema as Json | undefined
  for (let i = 0; node && typeof node.$ref === 'string' && i < 20; i++)
    node = (node.$ref as string)
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((acc, k) => (acc as Json)?.[k], doc) as Json | undefined
  return node
}

/** A value valid for `schema` (the JSON Schema subset the contract uses), with `pools[name]` mixed in at the leaves. */
export function fromSchema(doc: Json, schema: unknown, pools: Pools, name = '', depth = 0): fc.Arbitrary<unknown> {
  const s = deref(doc, schema)
  const base = s ? core(doc, s, pools, name, depth) : fc.jsonValue({ maxDepth: 2 })
  const real = pools[name]
  const leaf = !s || !['array', 'object'].includes(String(s.type))
  return real?.length && leaf ? fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...real) }, { weight: 1, arbitrary: base }) : base
}

function core(doc: Json, s: Json, pools: Pools, name: string, depth: number): fc.Arbitrary<unknown> {
  if (depth > 6) return fc.constant(null)
  if (Array.isArray(s.enum)) return fc.constantFrom(...s.enum)
  if ('const' in s) return fc.constant(s.const)
  const alternatives = (s.oneOf ?? s.anyOf) as unknown[] | undefined
  if (alternatives) return fc.oneof(...alternatives.map((a) => fromSchema(doc, a, pools, name, depth + 1)))
  if (Array.isArray(s.type)) return fc.oneof(...s.type.map((t) => core(doc, { ...s, type: t }, pools, name, depth)))
  const n = (v: unknown, d: number) => (typeof v === 'number' ? v : d)
  // Valid includes the edges the contract allows: any safe integer where no bound is set, the longest string, the most items.
  const edge = <T>(usual: fc.Arbitrary<T>, longest: fc.Arbitrary<T> | null) =>
    longest ? fc.oneof({ weight: 6, arbitrary: usual }, { weight: 1, arbitrary: longest }) : usual
  switch (s.type) {
    case 'string': {
      if (typeof s.pattern === 'string') return fc.stringMatching(new RegExp(s.pattern))
      if (s.format === 'date-time')
        return fc
          .oneof(
            fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
            fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
          )
          .map((d) => d.toISOString())
      const max = n(s.maxLength, 40)
      return edge(
        fc.string({ minLength: n(s.minLength, 0), maxLength: Math.min(max, 40) }),
        max > 40 && max <= 70_000 ? fc.constantFrom('x', 'ü', '한').map((c) => c.repeat(max)) : null,
      )
    }
    case 'integer':
      return fc.integer({ min: n(s.minimum, Number.MIN_SAFE_INTEGER), max: n(s.maximum, Number.MAX_SAFE_INTEGER) })
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true })
    case 'boolean':
      return fc.boolean()
    case 'null':
      return fc.constant(null)
    case 'array': {
      const item = fromSchema(doc, s.items, pools, name, depth + 1)
      const max = n(s.maxItems, 4)
      return edge(
        fc.array(item, { minLength: n(s.minItems, 0), maxLength: Math.min(max, 4) }),
        max > 4 && max <= 200 ? fc.array(item, { minLength: max, maxLength: max }) : null,
      )
    }
    case 'object': {
      const props = Object.entries((s.properties ?? {}) as Json)
      if (!props.length) return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 })
      // Each optional property half the time (fc.record would add nearly all, and most combinations are then refused).
      const required = (s.required ?? []) as string[]
      const each = props.map(
        ([k, v]) =>
          [
            k,
            required.includes(k)
              ? fromSchema(doc, v, pools, k, depth + 1)
              : fc.option(fromSchema(doc, v, pools, k, depth + 1), { nil: undefined, freq: 2 }),
          ] as const,
      )
      return fc.record(Object.fromEntries(each)).map((o) => Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)))
    }
    default:
      return fc.jsonValue({ maxDepth: 2 })
  }
}

/** Replaces the `index`-th node under the root (modulo their count; strings only when `strings`; the root when there is none) by `by(old)`. */
export function replaceLeaf(value: unknown, index: number, by: (old: unknown) => unknown, strings = false): unknown {
  const leaves: Array<[Record<string | number, unknown> | null, string | number]> = []
  const walk = (v: unknown, parent: Record<string | number, unknown> | null, key: string | number) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, v as unknown as Record<number, unknown>, i))
    else if (isObject(v)) Object.entries(v).forEach(([k, x]) => walk(x, v, k))
    if (parent !== null && (!strings || typeof v === 'string')) leaves.push([parent, key])
  }
  const clone = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(clone) : isObject(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)])) : v
  const copy = clone(value)
  walk(copy, null, '')
  const [parent, key] = leaves.length ? leaves[index % leaves.length]! : [null, '']
  if (parent === null) return by(copy)
  parent[key] = by(parent[key])
  return copy
}

function bodyArb(doc: Json, schema: unknown, pools: Pools, strict: boolean): fc.Arbitrary<Body> {
  const none = fc.constant<Body>({ none: true })
  const valid = schema === undefined ? fc.jsonValue({ maxDepth: 2 }) : fromSchema(doc, schema, pools)
  const json = (a: fc.Arbitrary<unknown>) => a.map((v): Body => ({ json: v }))
  if (strict) return schema === undefined ? none : json(valid)
  return fc.oneof(
    { weight: schema === undefined ? 6 : 1, arbitrary: none },
    { weight: 2, arbitrary: json(fc.jsonValue({ maxDepth: 3 })) },
    {
      weight: 2,
      arbitrary: json(
        fc
          .tuple(valid, fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 1 }), { minKeys: 1, maxKeys: 3 }))
          .map(([v, extra]) => (isObject(v) ? { ...extra, ...v } : extra)),
      ),
    },
    { weight: 6, arbitrary: json(fc.tuple(valid, fc.nat(), hostileValue).map(([v, i, w]) => replaceLeaf(v, i, () => w))) },
    {
      weight: 2,
      arbitrary: json(
        fc
          .tuple(valid, fc.nat(), fc.constantFrom('\u0000', 'a\u0000b', '\uD800'))
          .map(([v, i, bad]) => replaceLeaf(v, i, (old) => `${typeof old === 'string' ? old : ''}${bad}`, true)),
      ),
    },
    { weight: 1, arbitrary: fc.record({ deep: fc.constantFrom(64, 1_000, 20_000), array: fc.boolean() }) },
    {
      weight: 1,
      arbitrary: fc
        .oneof(
          fc.constantFrom('{"a":', '{', 'null', '"\\u0000"', '\u0000', 'grant_type=client_credentials&grant_type=x', '--fuzz--'),
          printable,
        )
        .map((text): Body => ({ text })),
    },
  )
}

/** A path or query value: from the schema and the pools; unless `strict`, also hostile (numbers and dates first), or %-garbage. */
function paramArb(doc: Json, name: string, schema: unknown, pools: Pools, strict: boolean): fc.Arbitrary<Part> {
  const valid = fromSchema(doc, schema, pools, name).map(String)
  if (strict) return valid
  const s = deref(doc, schema)
  const typed = s?.type === 'integer' ? NUMERIC : s?.format === 'date-time' ? HOSTILE_DATES : [...NUMERIC, ...HOSTILE_DATES]
  return fc.oneof(
    { weight: 1, arbitrary: valid },
    { weight: 4, arbitrary: fc.constantFrom(...typed) },
    { weight: 2, arbitrary: hostileString },
    { weight: 1, arbitrary: fc.constantFrom(...RAW).map((raw) => ({ raw })) },
  )
}

function queryArb(doc: Json, params: Json[], pools: Pools, strict: boolean): fc.Arbitrary<Array<[string, Part]>> {
  const each = params.map((p) => {
    const one = paramArb(doc, String(p.name), p.schema, pools, strict)
    const values = strict
      ? one.map((v) => [v])
      : fc.oneof({ weight: 5, arbitrary: one.map((v) => [v]) }, { weight: 1, arbitrary: fc.array(one, { minLength: 2, maxLength: 3 }) })
    // Strict cases leave most optional parameters out: each one present is one more way to miss the service.
    const present =
      strict && p.required
        ? values
        : fc.oneof({ weight: strict ? 2 : 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: values })
    return present.map((vs) => (vs ?? []).map((v): [string, Part] => [String(p.name), v]))
  })
  if (strict) return fc.tuple(...each).map((lists) => lists.flat())
  const extra = fc
    .option(fc.tuple(fc.constantFrom('foo', 'first', '__proto__', 'a[b]', ''), hostileString), { nil: undefined, freq: 6 })
    .map((e) => (e ? [e as [string, Part]] : []))
  return fc.tuple(extra, ...each).map((lists) => lists.flat())
}

/** Headers: `strict`, the declared content type and a pooled token (by label); else also hostile types, garbage or no token. */
export function headersArb(declared: readonly string[], tokens: readonly string[], strict: boolean): fc.Arbitrary<Headers> {
  const rid = fc.option(fc.oneof(fc.uuid(), printable, fc.constant('r'.repeat(5000))), { nil: undefined })
  const token = fc.constantFrom(...tokens).map((t) => `Bearer ${t}`)
  if (strict) return fc.record({ ct: fc.constant(declared[0]), auth: token, rid })
  const cts = [
    'application/json',
    'application/json; charset=utf-16',
    'application/json; charset=UTF-8',
    'APPLICATION/JSON',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=fuzz',
    'application/problem+json',
    'application/json;;',
    '*/*',
  ]
  const ct = fc.oneof(
    { weight: 2, arbitrary: declared.length ? fc.constantFrom(...declared) : fc.constant(undefined) },
    { weight: 3, arbitrary: fc.constantFrom(...cts) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  )
  const garbage = fc.oneof(
    fc.constantFrom(
      'Bearer',
      'Bearer ',
      'Basic YTpi',
      'Bearer a.b.c',
      'Bearer eyJhbGciOiJub25lIn0.e30.',
      `bearer ${tokens[0]}`,
      `Bearer ${tokens[0]}x`,
      `Bearer ${tokens[0]}.AAAA`,
    ),
    printable.map((s) => `Bearer ${s}`),
  )
  const auth = fc.oneof(
    { weight: 2, arbitrary: token },
    { weight: 2, arbitrary: garbage },
    { weight: 1, arbitrary: fc.constant(undefined) },
  )
  return fc.record({ ct, auth, rid })
}

/**
 * Cases for `op`: valid-shaped throughout (known-good queries and bodies from pools[`query:<operationId>`]
 * and pools[`body:<operationId>`] mixed in, for rules no schema says), valid but for one hostile part,
 * or hostile anywhere. Tokens are labels.
 */
export function restCaseArb(
  doc: Json,
  op: RestOp,
  pools: Pools,
  tokens: readonly string[],
  refs: ReadonlyArray<{ originator: string; id: string }>,
): fc.Arbitrary<RestCase> {
  const schema = op.content ? (op.content['application/json'] ?? Object.values(op.content)[0])!.schema : undefined
  const inPath = op.params.filter((p) => p.in === 'path')
  const knownQueries = pools[`query:${op.id}`] as Array<Array<[string, Part]>> | undefined
  const knownBodies = pools[`body:${op.id}`]
  const parts = (strict: boolean) => {
    const path = fc.record(
      Object.fromEntries(inPath.map((p) => [String(p.name), paramArb(doc, String(p.name), p.schema, pools, strict)])),
    ) as fc.Arbitrary<Record<string, Part>>
    const query = queryArb(
      doc,
      op.params.filter((p) => p.in === 'query'),
      pools,
      strict,
    )
    return {
      path:
        strict && op.template.includes('{originator}/{id}')
          ? fc.oneof(
              path,
              fc.tuple(path, fc.constantFrom(...refs)).map(([p, r]): Record<string, Part> => ({ ...p, ...r })),
            )
          : path,
      query: strict && knownQueries ? fc.oneof(query, fc.constantFrom(...knownQueries)) : query,
      body:
        strict && knownBodies
          ? fc.oneof(
              bodyArb(doc, schema, pools, true),
              fc.constantFrom(...knownBodies).map((json): Body => ({ json })),
            )
          : bodyArb(doc, schema, pools, strict),
      headers: headersArb(Object.keys(op.content ?? {}), tokens, strict),
    }
  }
  const valid = fc.record(parts(true))
  const hostile = fc.record(parts(false))
  // Where the one hostile part goes: parameters and bodies, where services read, more often than headers.
  const where = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('body', ...inPath.map((p) => String(p.name))) },
    { weight: 2, arbitrary: fc.constant('query') },
    { weight: 1, arbitrary: fc.constant('headers') },
  )
  const one = fc
    .tuple(valid, hostile, where, fc.nat(), hostileValue, fc.constantFrom(...EDGE_NUMBERS))
    .map(([v, h, at, i, bad, edge]): RestCase => {
      // A hostile body is half the time the valid one with one value replaced (a number by an edge number), so the rest still passes validation.
      if (at === 'body' && 'json' in v.body && i % 2 === 0)
        return { ...v, body: { json: replaceLeaf(v.body.json, i >> 1, (old) => (typeof old === 'number' ? edge : bad)) } }
      if (at === 'body' || at === 'headers') return { ...v, [at]: h[at] }
      if (at === 'query') return { ...v, query: [...v.query.filter(([k]) => !h.query.some(([hk]) => hk === k)), ...h.query] }
      return { ...v, path: { ...v.path, [at]: h.path[at]! } }
    })
  return fc.oneof({ weight: 2, arbitrary: valid }, { weight: 3, arbitrary: one }, { weight: 1, arbitrary: hostile })
}
