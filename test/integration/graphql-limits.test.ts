// GraphQL limits at their defaults (depth 8, cost 1,000): pages of records with every field, whole
// lists and the README's queries pass; aliases cannot multiply rows; the standard introspection query
// passes in development and, in production, only with GRAPHQL_INTROSPECTION=true.
import fs from 'node:fs'
import { buildSchema, getIntrospectionQuery, getNamedType, type GraphQLObjectType, isLeafType, isNonNullType, isObjectType } from 'graphql'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { bearer, startGateway, tokenForm, type TestGateway } from '../support/app.js'
import { freshDatabase, type FreshDatabase } from '../support/database.js'
import { type Production, productionSetup } from '../support/production.js'
import { personRecord, publishRecord } from '../support/publish.js'

let gw: TestGateway
let token: string
beforeAll(async () => {
  gw = await startGateway()
  for (const r of [
    personRecord('KR', {
      names: [{ native: '박영철', latin: 'PARK Young-chul', script: 'Hang' }],
      phones: [{ number: '+82 10-4417-2093' }],
    }),
    personRecord('TH', {
      names: [{ native: 'สมชาย แก้วมณี', latin: 'SOMCHAI Kaewmanee', script: 'Thai' }],
      phones: [{ number: '089-512-7734' }],
    }),
    personRecord('KH', { names: [{ native: 'ចាន់ សុភា', latin: 'CHAN Sophea', script: 'Khmr' }] }),
  ])
    expect((await publishRecord(gw, r)).res.statusCode).toBe(201)
  token = await gw.token('VN', ['analyst'], 'investigation')
})
afterAll(async () => gw?.close())

const gql = (query: string, t = token) => gw.app.inject({ method: 'POST', url: '/graphql', headers: bearer(t), payload: { query } })

const schemaDir = new URL('../../schema/', import.meta.url)
const schema = buildSchema(
  fs
    .readdirSync(schemaDir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => fs.readFileSync(new URL(f, schemaDir), 'utf8'))
    .join('\n'),
)

/** Every field of a type without required arguments: scalars, and objects `levels` deep. */
function every(typeName: string, levels: number): string {
  const type = schema.getType(typeName) as GraphQLObjectType
  return Object.values(type.getFields())
    .filter((f) => !f.args.some((a) => isNonNullType(a.type)))
    .flatMap((f) => {
      const named = getNamedType(f.type)
      if (isLeafType(named)) return [f.name]
      return levels > 0 && isObjectType(named) ? [`${f.name} { ${every(named.name, levels - 1)} }`] : []
    })
    .join(' ')
}
const recordRead = () =>
  `... on RecordPresentation { ${every('RecordPresentation', 0)} record { ${every('Record', 1)} } } ... on RecordHit { ${every('RecordHit', 1)} }`

describe('GraphQL limits at the defaults', () => {
  it('uses the documented defaults', () => {
    expect(gw.config).toMatchObject({ graphqlMaxDepth: 8, graphqlMaxCost: 1000, graphqlIntrospection: true })
  })

  it('answers a page of 20, and of 100, records with every field', async () => {
    for (const first of [20, 100]) {
      const res = await gql(`{ records(first: ${first}) { edges { cursor node { ${recordRead()} } } pageInfo { hasNextPage endCursor } } }`)
      expect(res.statusCode, res.body).toBe(200)
      expect(res.json().errors).toBeUndefined()
      const names = res
        .json()
        .data.records.edges.map(
          (e: { node: { record?: { body: { names: Array<{ native: string }> } } } }) => e.node.record?.body.names[0]?.native,
        )
      expect(names.sort()).toEqual(['박영철', 'สมชาย แก้วมณี', 'ចាន់ សុភា'].sort())
    }
  })

  it('answers each whole list with every field', async () => {
    const lists = [
      `{ matches { ${every('Match', 1)} } }`,
      `{ contactRequests(as: TARGET) { ${every('ContactRequest', 1)} } }`,
      `{ accessRequests(as: REQUESTER) { ${every('AccessRequest', 1)} } }`,
      `{ events(limit: 500) { cursor events { ${every('Event', 0)} } } }`,
      `{ policyVersions { ${every('PolicyVersion', 0)} } }`,
      `{ members { ${every('Member', 1)} } }`,
    ]
    for (const query of lists) {
      const res = await gql(query)
      expect(res.statusCode, query).toBe(200)
      expect(res.json().errors, query).toBeUndefined()
    }
  })

  it('refuses aliases that multiply rows: 15 (or 2) pages of 500 events, 5 copies of matches', async () => {
    const aliases = (n: number, field: string) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`
    expect((await gql(aliases(1, 'events(limit: 500) { events { id } }'))).json().errors).toBeUndefined()
    for (const [query, cost] of [
      [aliases(15, 'events(limit: 500) { events { id } }'), 8250],
      [aliases(2, 'events(limit: 500) { events { id } }'), 1100],
      [aliases(5, 'matches { id }'), 1100],
    ] as const) {
      const res = await gql(query)
      expect(res.statusCode).toBe(400)
      expect(res.json()).toEqual({
        data: null,
        errors: [
          expect.objectContaining({
            message: `query cost ${cost} exceeds the limit of 1000`,
            extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX' }),
          }),
        ],
      })
    }
  })

  it("answers the standard introspection query and GraphiQL's", async () => {
    for (const query of [getIntrospectionQuery(), getIntrospectionQuery({ schemaDescription: true, inputValueDeprecation: true })]) {
      const res = await gql(query)
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200)
      const { data, errors } = res.json()
      expect(errors).toBeUndefined()
      expect(data.__schema.queryType.name).toBe('Query')
      expect(data.__schema.types.map((t: { name: string }) => t.name)).toEqual(
        expect.arrayContaining(['RecordConnection', 'LeadConnection', 'Member']),
      )
    }
  })

  it('still refuses deep or aliased queries that are not plain introspection', async () => {
    const deep = '{ me { actor } __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } }'
    const aliased = `{ ${Array.from({ length: 20 }, (_, i) => `s${i}: __schema { types { fields { name } } }`).join(' ')} }`
    for (const [query, message] of [
      [deep, 'query depth 10 exceeds the limit of 8'],
      [aliased, 'query cost 2420 exceeds the limit of 1000'],
    ] as const) {
      const res = await gql(query)
      expect(res.statusCode).toBe(400)
      expect(res.json().errors[0]).toMatchObject({ message, extensions: { code: 'QUERY_TOO_COMPLEX' } })
    }
  })

  it("answers the README's GraphQL examples", async () => {
    const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const curl = [...readme.matchAll(/-d '(\{"query".*?\})'/g)].map((m) => (JSON.parse(m[1]!) as { query: string }).query)
    const fenced = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]!)
    expect(curl.length).toBeGreaterThan(0)
    expect(fenced.length).toBeGreaterThan(0)
    const th = await gw.token('TH', ['analyst'])
    for (const query of [...curl, ...fenced]) {
      const res = await gql(query, th)
      expect(res.statusCode, query).toBe(200)
      expect(res.json().errors, query).toBeUndefined()
    }
  })
})

describe('GraphQL introspection in production', () => {
  const ISSUER = 'https://exchange.icacn.example'
  let db: FreshDatabase
  let env: Record<string, string>
  let prod: Production
  beforeAll(async () => {
    db = await freshDatabase()
    prod = await productionSetup(db, ISSUER)
    env = prod.env
  })
  afterAll(async () => db?.cleanup())

  async function introspect(extra: Record<string, string>) {
    const app = await buildApp(loadConfig({ ...env, ...extra }))
    try {
      const assertion = await prod.assertion('TH', 'ศูนย์ข่าวกรอง ป.ป.ส.')
      const tok = await app.inject({
        method: 'POST',
        url: '/v1/auth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: tokenForm(assertion),
      })
      const headers = bearer(tok.json().access_token)
      const post = (query: string) => app.inject({ method: 'POST', url: '/graphql', headers, payload: { query } })
      return {
        full: await post(getIntrospectionQuery()),
        type: await post('{ __type(name: "Record") { name } }'),
        typename: await post('{ __typename }'),
      }
    } finally {
      await app.close()
    }
  }

  it('refuses introspection with VALIDATION_FAILED by default, answering __typename', async () => {
    const { full, type, typename } = await introspect({})
    for (const res of [full, type]) {
      expect(res.statusCode).toBe(400)
      expect(res.json().errors[0]).toMatchObject({
        message: expect.stringMatching(/introspection has been disabled/),
        extensions: { code: 'VALIDATION_FAILED' },
      })
    }
    expect(typename.json()).toEqual({ data: { __typename: 'Query' } })
  })

  it('answers the standard introspection query with GRAPHQL_INTROSPECTION=true', async () => {
    const { full, type } = await introspect({ GRAPHQL_INTROSPECTION: 'true' })
    expect(full.statusCode).toBe(200)
    expect(full.json().errors).toBeUndefined()
    expect(full.json().data.__schema.queryType.name).toBe('Query')
    expect(type.json()).toEqual({ data: { __type: { name: 'Record' } } })
  })
})
