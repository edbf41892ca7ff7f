// Bad GraphQL input is a 4xx with a code, never a 500 or a bare fastify error: NUL in any string
// argument (variable, \u0000 literal, input object field, list element, variable default) is refused
// before execution naming the argument; so are a missing query, persisted-query hashes, malformed
// variables, a query that is not GraphQL text, empty and batched bodies, and unknown operation names.
import type { LightMyRequestResponse } from 'fastify'
import { type GraphQLError, parse } from 'graphql'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertStorableArguments } from '../../src/graphql/input-guard.js'
import { bearer, startGateway, type TestGateway } from '../support/app.js'

let gw: TestGateway
let token: string
beforeAll(async () => {
  gw = await startGateway()
  token = await gw.token('LA', ['analyst', 'admin'], 'investigation')
})
afterAll(async () => gw?.close())

const post = (payload: unknown, headers: Record<string, string> = {}) =>
  gw.app.inject({ method: 'POST', url: '/graphql', headers: { ...bearer(token), ...headers }, payload: payload as string })
const get = (params: Record<string, string>) =>
  gw.app.inject({ method: 'GET', url: `/graphql?${new URLSearchParams(params)}`, headers: bearer(token) })

/** A refusal: 400, JSON, a code (GraphQL errors or problem+json), and not fastify's own error shape. */
function refused(res: LightMyRequestResponse): { code: string; message: string; errors?: Array<{ pointer: string }> } {
  expect(res.statusCode, res.body).toBe(400)
  expect(res.headers['content-type']).toMatch(/^application\/(problem\+)?json/)
  const body = res.json()
  expect(body).not.toHaveProperty('statusCode')
  if (!String(res.headers['content-type']).startsWith('application/problem+json')) {
    expect(body.data).toBeNull()
    const [first] = body.errors
    return { code: first.extensions.code, message: first.message, errors: first.extensions.errors }
  }
  return { code: body.code, message: body.detail, errors: body.errors }
}

const NUL = '\u0000'

describe('NUL in GraphQL string arguments', () => {
  it('is refused in a \\u0000 literal and a variable default, naming the field and argument', async () => {
    const literal = refused(await post({ query: '{ member(code: "K\\u0000R") { code } }' }))
    expect(literal).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'member: argument code contains U+0000 (NUL), which is not accepted in text',
      errors: [{ pointer: '/code', detail: 'must not contain U+0000' }],
    })
    const fallback = refused(await post({ query: 'query($c: ID! = "K\\u0000R") { member(code: $c) { code } }' }))
    expect(fallback).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'the default of $c contains U+0000 (NUL), which is not accepted in text',
    })
  })

  it('is refused in a variable, by POST and GET, pointing at it', async () => {
    // The HTTP request guard (rest/request-guards.ts) sees the variables first and answers problem+json.
    const query = 'query($c: ID!) { member(code: $c) { code } }'
    for (const res of [
      await post({ query, variables: { c: `K${NUL}R` } }),
      await get({ query, variables: JSON.stringify({ c: `K${NUL}R` }) }),
    ]) {
      const r = refused(res)
      expect(r.code).toBe('VALIDATION_FAILED')
      expect(r.errors?.[0]?.pointer).toMatch(/^\/(body\/variables\/c|query\/variables|code)$/)
    }
  })

  it('refuses a lone surrogate in GET variables (JSON text the HTTP guard cannot see into), literals and defaults, never INTERNAL', async () => {
    const query = 'query($t: String) { leads(filter: { selector: "somphone.k@example.la", type: $t }) { edges { cursor } } }'
    const viaGet = refused(await get({ query, variables: '{"t":"\\ud800"}' }))
    expect(viaGet).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ pointer: '/filter/type' }] })
    expect(viaGet.message).toMatch(/lone surrogate/)
    for (const q of [
      'query($t: String = "\\udc00x") { leads(filter: { selector: "somphone.k@example.la", type: $t }) { edges { cursor } } }',
      'query($o: String) { leads(filter: { selector: "somphone.k@example.la", originator: $o }) { edges { cursor } } }',
    ]) {
      const res = q.includes('$o') ? await get({ query: q, variables: '{"o":"K\\ud800"}' }) : await get({ query: q })
      expect(res.statusCode, res.body).not.toBe(500)
      expect(refused(res).code).toBe('VALIDATION_FAILED')
    }
  })

  it('is refused in input object fields and list elements, with a pointer to the value', async () => {
    const literals = [
      ['{ leads(filter: { text: "Nguyễn\\u0000Văn" }) { edges { cursor } } }', '/filter/text'],
      [
        '{ leadLookup(selectors: [{ selector: "0903184472" }, { selector: "@HaiPhong_Ice", kind: "telegram\\u0000" }]) { hit } }',
        '/selectors/1/kind',
      ],
      ['{ policyDryRun(input: { recipients: ["TH"], roles: ["analyst", "coordinator\\u0000"] }) { policyVersion } }', '/input/roles/1'],
    ] as const
    for (const [query, pointer] of literals)
      expect(refused(await post({ query }))).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ pointer, detail: 'must not contain U+0000' }],
      })
    const variables = [
      [
        { query: 'query($f: LeadFilter!) { leads(filter: $f) { edges { cursor } } }', variables: { f: { text: `ສົມພອນ${NUL}` } } },
        /\/f\/text$/,
      ],
      [
        {
          query: 'query($s: [LookupInput!]!) { leadLookup(selectors: $s) { hit } }',
          variables: { s: [{ selector: '+856 20 5512 3344' }, { selector: `som.phone${NUL}@example.la`, kind: 'email' }] },
        },
        /\/s\/1\/selector$/,
      ],
    ] as const
    for (const [payload, pointer] of variables) {
      const r = refused(await post(payload))
      expect(r.code).toBe('VALIDATION_FAILED')
      expect(r.errors?.[0]?.pointer).toMatch(pointer)
    }
  })

  it('is refused before execution: a mutation with NUL stores nothing', async () => {
    const versions = async () => (await post({ query: '{ policyVersions { version } }' })).json().data.policyVersions.length
    const before = await versions()
    const literal = 'mutation { createPolicyVersion(text: "permit (principal, action, resource); // \\u0000") { version } }'
    expect(refused(await post({ query: literal })).code).toBe('VALIDATION_FAILED')
    const text = `permit (principal, action, resource); // ${NUL}`
    expect(
      refused(await post({ query: 'mutation($t: String!) { createPolicyVersion(text: $t) { version } }', variables: { t: text } })).code,
    ).toBe('VALIDATION_FAILED')
    expect(await versions()).toBe(before)
  })
})

describe('assertStorableArguments on variables (behind the HTTP request guard)', () => {
  it('follows variables into input objects and lists, and names the argument', () => {
    const query = parse(
      'query($f: LeadFilter!, $s: [LookupInput!]!) { leads(filter: $f) { pageInfo { hasNextPage } } leadLookup(selectors: $s) { hit } }',
    )
    expect(() => assertStorableArguments(query, { f: { text: 'ສົມພອນ' }, s: [{ selector: '0903184472' }] })).not.toThrow()
    const err = (variables: Record<string, unknown>) => {
      try {
        assertStorableArguments(query, variables)
      } catch (e) {
        return e as GraphQLError
      }
      throw new Error('expected a refusal')
    }
    expect(err({ f: { text: `ສົມພອນ${NUL}` }, s: [] }).message).toBe(
      'leads: argument filter.text contains U+0000 (NUL), which is not accepted in text',
    )
    expect(err({ f: { text: 'ok' }, s: [{ selector: 'a' }, { selector: `b${NUL}` }] }).extensions).toMatchObject({
      code: 'VALIDATION_FAILED',
      status: 400,
      errors: [{ pointer: '/selectors/1/selector' }],
    })
  })
})

describe('malformed GraphQL requests', () => {
  const hash = 'ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38'

  it('refuses a persisted-query hash without a query, by POST and GET', async () => {
    const extensions = { persistedQuery: { version: 1, sha256Hash: hash } }
    for (const res of [await post({ extensions }), await get({ extensions: JSON.stringify(extensions) })]) {
      const r = refused(res)
      expect(r.code).toBe('VALIDATION_FAILED')
      expect(r.message).toMatch(/persisted queries are not supported/)
    }
  })

  it('refuses a request with no query at all', async () => {
    for (const res of [await post({}), await post({ query: '' }), await get({})]) expect(refused(res).code).toBe('VALIDATION_FAILED')
  })

  it('refuses GET variables or extensions that are not JSON, naming the parameter', async () => {
    const query = 'query($c: ID!) { member(code: $c) { code } }'
    expect(refused(await get({ query, variables: '{c: "TH"}' })).errors).toEqual([{ pointer: '/variables', detail: 'not valid JSON' }])
    expect(refused(await get({ query, variables: '{"c":"TH"}', extensions: '{' })).errors).toEqual([
      { pointer: '/extensions', detail: 'not valid JSON' },
    ])
  })

  it('refuses a query that is not GraphQL text: a number, a boolean, an object, JSON in a string', async () => {
    for (const query of [42, true, { kind: 'Document' }, '{"kind":"Document","definitions":[]}', '"{ me { actor } }"', 'null', '[]']) {
      expect(refused(await post({ query })).code, JSON.stringify(query)).toBe('VALIDATION_FAILED')
    }
  })

  it('refuses empty bodies', async () => {
    expect(refused(await post('', { 'content-type': 'application/json' })).code).toBe('INVALID_REQUEST')
    expect(refused(await gw.app.inject({ method: 'POST', url: '/graphql', headers: bearer(token) })).code).toBe('VALIDATION_FAILED')
  })

  it('refuses an operationName naming no operation, and a missing one among several', async () => {
    const r = refused(await post({ query: 'query Members { members { code } }', operationName: 'Keys' }))
    expect(r).toMatchObject({ code: 'VALIDATION_FAILED', message: 'Unknown operation named "Keys".' })
    expect(refused(await post({ query: 'query A { me { actor } } query B { members { code } }' })).code).toBe('VALIDATION_FAILED')
  })

  it('refuses batched (array) bodies', async () => {
    for (const body of [[{ query: '{ me { actor } }' }, { query: '{ members { code } }' }], []])
      expect(refused(await post(body)).code).toBe('VALIDATION_FAILED')
  })

  it("keeps a resolver's validation message and pointer", async () => {
    const { errors } = (await post({ query: '{ events(after: "yesterday") { cursor } }' })).json()
    expect(errors).toEqual([
      expect.objectContaining({
        message: 'after is not a cursor this gateway gave the caller',
        extensions: expect.objectContaining({ code: 'VALIDATION_FAILED', errors: [{ pointer: '/after', detail: 'invalid cursor' }] }),
      }),
    ])
  })
})
