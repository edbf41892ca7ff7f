// GraphQL cost and depth, on a small schema shaped like ours: objects 1, scalars 0.1, lists by their
// size (first/limit, the LIST_SIZES table, the selectors given, else 10), connections counted once;
// plain introspection recognised; the README's example costs what the README says.
import fs from 'node:fs'
import { buildSchema, getIntrospectionQuery, GraphQLError, parse } from 'graphql'
import { describe, expect, it } from 'vitest'
import { assertQueryCost, queryCost } from '../../src/graphql/cost.js'
import { assertQueryLimits, isPlainIntrospection, queryDepth } from '../../src/graphql/limits.js'

const schema = buildSchema(`
  type Query {
    me: Member!
    members: [Member!]!
    matches: [Match!]!
    leadLookup(selectors: [String!]!): [LookupResult!]!
    events(limit: Int = 100): [Event!]!
    records(first: Int = 20): RecordConnection!
    things: [Thing!]!
  }
  type Member { code: ID! keys: [Key!]! }
  type Key { kid: ID! }
  type Match { id: ID! other: Side }
  type Side { recordId: ID! }
  type LookupResult { hit: Boolean }
  type Event { seq: String! type: String! }
  type RecordConnection { edges: [RecordEdge!]! pageInfo: PageInfo! }
  type RecordEdge { cursor: String! node: Thing! }
  type PageInfo { hasNextPage: Boolean! }
  type Thing { id: ID! labels: [String!]! parts: [Thing!]! }
`)
const cost = (query: string, variables: Record<string, unknown> = {}) => queryCost(schema, parse(query), variables)
const aliases = (n: number, field: string) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`

describe('queryCost', () => {
  it('charges 1 an object and 0.1 a scalar field; a list of scalars is one value, a list of objects 10 items', () => {
    expect(cost('{ things { id } }')).toBe(11)
    expect(cost('{ things { id labels } }')).toBe(12)
    expect(cost('fragment F on Thing { id labels } { things { ...F } }')).toBe(12)
  })

  it('charges a connection first × one edge, not first × 10 edges', () => {
    // 20 × (item 1 + edges 1 + cursor 0.1 + node 1 + id 0.1)
    expect(cost('{ records(first: 20) { edges { cursor node { id } } } }')).toBe(64)
    expect(cost('{ records { edges { cursor node { id } } } }')).toBe(64) // first defaults to 20
    expect(cost('{ records(first: 40) { edges { cursor node { id } } } }')).toBe(128)
    // A list inside each node is still a list: 2 × (1 + 1 + 1 + 10 × 1.1)
    expect(cost('{ records(first: 2) { edges { node { parts { id } } } } }')).toBe(28)
  })

  it('counts limit like first, from a literal, a variable or the default', () => {
    expect(cost('{ events(limit: 500) { seq } }')).toBe(550)
    expect(cost('query($n: Int) { events(limit: $n) { seq } }', { n: 500 })).toBe(550)
    expect(cost('{ events { seq type } }')).toBe(120)
  })

  it('charges the known maximum of lists without a size argument, and leadLookup by its selectors', () => {
    expect(cost('{ matches { id } }')).toBe(220)
    expect(cost('{ matches { id other { recordId } } }')).toBe(440)
    expect(cost('{ members { keys { kid } } }')).toBe(72)
    expect(cost('{ leadLookup(selectors: ["+66817342956", "0903184472", "@HaiPhong_Ice"]) { hit } }')).toBe(4)
    const selectors = Array.from({ length: 700 }, (_, i) => `+8562055${String(i).padStart(6, '0')}`)
    expect(cost('query($s: [String!]!) { leadLookup(selectors: $s) { hit } }', { s: selectors })).toBe(770)
  })

  it('adds aliases up, so fifteen pages of 500 events cost fifteen times one', () => {
    expect(cost(aliases(15, 'events(limit: 500) { seq }'))).toBe(15 * 550)
    expect(() => assertQueryCost(schema, parse(aliases(2, 'events(limit: 500) { seq }')), {}, 1000)).toThrow(
      'query cost 1100 exceeds the limit of 1000',
    )
  })

  it('refuses over the limit with QUERY_TOO_COMPLEX, not at it', () => {
    expect(() => assertQueryCost(schema, parse('{ matches { id } }'), {}, 220)).not.toThrow()
    const refused = catchError(() => assertQueryCost(schema, parse('{ matches { id } }'), {}, 219))
    expect(refused.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', status: 400 })
    // Past 10,000 selections graphql-query-complexity stops counting: still too complex, not malformed.
    const huge = catchError(() => assertQueryCost(schema, parse(aliases(10_001, 'me { code }')), {}, 1_000_000))
    expect(huge.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX' })
  })

  it("costs the README's example what the README says, on the real schema", () => {
    const dir = new URL('../../schema/', import.meta.url)
    const sdl = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.graphql'))
      .sort()
      .map((f) => fs.readFileSync(new URL(f, dir), 'utf8'))
      .join('\n')
    const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const [, said, query] = /costs (\d+):\n\n```graphql\n([\s\S]*?)```/.exec(readme) ?? []
    expect(query).toBeDefined()
    expect(queryCost(buildSchema(sdl), parse(query!), {})).toBe(Number(said))
  })
})

describe('queryDepth and plain introspection', () => {
  it('counts nested fields; fragments and type conditions add no level', () => {
    expect(queryDepth(parse('{ members { keys { kid } } }'))).toBe(3)
    expect(queryDepth(parse('fragment F on Member { keys { kid } } { me { ...F } }'))).toBe(3)
    expect(queryDepth(parse('{ records { edges { node { ... on Thing { parts { id } } } } } }'))).toBe(5)
    expect(queryDepth(parse('query A { me { code } } query B { members { keys { kid } } }'))).toBe(3)
  })

  it('measures each fragment once: twenty-two fragments each spreading the one before twice', () => {
    const chain = Array.from({ length: 22 }, (_, i) => `fragment F${i + 1} on Thing { a: parts { ...F${i} } b: parts { ...F${i} } }`).join(
      '\n',
    )
    const started = Date.now()
    expect(queryDepth(parse(`fragment F0 on Thing { id } ${chain} { things { ...F22 } }`))).toBe(24)
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('recognises the standard introspection query, and nothing aliased or mixed', () => {
    expect(isPlainIntrospection(parse(getIntrospectionQuery()))).toBe(true)
    expect(isPlainIntrospection(parse(getIntrospectionQuery({ schemaDescription: true, inputValueDeprecation: true })))).toBe(true)
    expect(isPlainIntrospection(parse('fragment Q on Query { __typename } { ...Q __type(name: "Member") { name } }'))).toBe(true)
    expect(isPlainIntrospection(parse('{ s: __schema { types { name } } }'))).toBe(false)
    expect(isPlainIntrospection(parse('{ __schema { types { n: name } } }'))).toBe(false)
    expect(isPlainIntrospection(parse('{ __schema { types { name } } me { code } }'))).toBe(false)
    expect(isPlainIntrospection(parse('query A { __typename } query B { me { code } }'))).toBe(false)
  })

  it('exempts plain introspection from depth and cost only while introspection is allowed', () => {
    const doc = parse(getIntrospectionQuery())
    const limits = { maxDepth: 8, maxCost: 1000 }
    expect(() => assertQueryLimits(schema, doc, {}, { ...limits, introspection: true })).not.toThrow()
    expect(catchError(() => assertQueryLimits(schema, doc, {}, { ...limits, introspection: false })).message).toMatch(
      /^query depth \d+ exceeds the limit of 8$/,
    )
    const deep = parse(
      '{ me { code } __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } }',
    )
    expect(catchError(() => assertQueryLimits(schema, deep, {}, { ...limits, introspection: true })).message).toBe(
      'query depth 10 exceeds the limit of 8',
    )
  })
})

function catchError(fn: () => void): GraphQLError {
  try {
    fn()
  } catch (e) {
    if (e instanceof GraphQLError) return e
    throw e
  }
  throw new Error('expected a GraphQLError')
}
