// GraphQL: me, members, member(code), nested keys through loaders, errors with extensions.code,
// and the depth and cost limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, startGateway, type TestGateway } from '../support/app.js'

let gw: TestGateway
let token: string
beforeAll(async () => {
  gw = await startGateway({ GRAPHQL_MAX_DEPTH: '3', GRAPHQL_MAX_COST: '400' })
  token = await gw.token('KR', ['analyst', 'coordinator'], 'investigation')
})
afterAll(async () => gw?.close())

const gql = (query: string, variables?: object, t = token) =>
  gw.app.inject({ method: 'POST', url: '/graphql', headers: bearer(t), payload: { query, variables } })

describe('graphql', () => {
  it('answers me, members and member(code) with nested keys', async () => {
    const res = await gql(
      '{ me { actor roles purpose member { code shortName } } members { code status keys { kid status alg } } member(code: "TH") { name } }',
    )
    expect(res.statusCode).toBe(200)
    const { data, errors } = res.json()
    expect(errors).toBeUndefined()
    expect(data.me).toMatchObject({ roles: ['analyst', 'coordinator'], purpose: 'investigation', member: { code: 'KR', shortName: 'NIS' } })
    expect(data.members).toHaveLength(6)
    for (const m of data.members) expect(m.keys).toEqual([expect.objectContaining({ status: 'active', alg: 'ES256' })])
    expect(data.member.name).toBe('Office of the Narcotics Control Board')
  })

  it('answers null for a member that does not exist', async () => {
    const res = await gql('query($c: ID!) { member(code: $c) { code } }', { c: 'SG' })
    expect(res.json()).toEqual({ data: { member: null } })
  })

  it('reports validation errors with extensions.code', async () => {
    const res = await gql('{ members { codename } }')
    expect(res.statusCode).toBe(400)
    expect(res.json().errors[0].extensions).toMatchObject({ code: 'VALIDATION_FAILED' })
  })

  it('refuses queries over the depth limit (3 here), fragments included', async () => {
    expect((await gql('{ members { keys { kid } } }')).json().errors).toBeUndefined()
    for (const query of ['{ me { member { keys { kid } } } }', 'fragment F on Member { keys { kid } } { me { member { ...F } } }']) {
      const res = await gql(query)
      expect(res.statusCode).toBe(400)
      expect(res.json().errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX')
    }
  })

  it('refuses queries over the cost limit (400 here) with QUERY_TOO_COMPLEX', async () => {
    // members { keys { kid } } costs 6 members × (1 + 10 keys × 1.1) = 72: five fit, six do not.
    const aliases = (n: number) => Array.from({ length: n }, (_, i) => `m${i}: members { keys { kid } }`).join(' ')
    expect((await gql(`{ ${aliases(5)} }`)).json().errors).toBeUndefined()
    const res = await gql(`{ ${aliases(6)} }`)
    const body = res.json()
    expect(res.statusCode).toBe(400)
    expect(body.data).toBeNull()
    expect(body.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX')
    expect(body.errors[0].message).toBe('query cost 432 exceeds the limit of 400')
  })
})
