// Member authentication end to end: RFC 7523 client assertions at /v1/auth/token, then bearer
// access tokens on /v1 and /graphql. Every refusal is checked by its problem type.
import { exportJWK, generateKeyPair, SignJWT, decodeJwt, decodeProtectedHeader } from 'jose'
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setMemberStatus } from '../../src/members/member.service.js'
import { assertMatchesContract } from '../support/contract.js'
import { bearer, ISSUER, startGateway, type TestGateway, tokenForm } from '../support/app.js'

let gw: TestGateway
beforeAll(async () => {
  gw = await startGateway()
})
afterAll(async () => gw?.close())

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const exchange = (assertion: string, extra: Record<string, string> = {}) =>
  gw.app.inject({ method: 'POST', url: '/v1/auth/token', headers: FORM, payload: tokenForm(assertion, extra) })
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')

function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; json(): any }, status: number, code: string) {
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
  const body = res.json()
  expect({ status: res.statusCode, code: body.code, type: body.type }).toEqual({
    status,
    code,
    type: `urn:icacn:problem:${code.toLowerCase().replace(/_/g, '-')}`,
  })
  expect(body.status).toBe(status)
}

describe('token endpoint', () => {
  it('issues a short-lived at+jwt for TH that reads /v1/members', async () => {
    const res = await exchange(await gw.assertion('TH', { roles: ['analyst'], purpose: 'investigation', actor: 'ร.ต.อ. สมชาย ใจดี' }))
    expect(res.statusCode).toBe(200)
    assertMatchesContract('issueToken', res)
    expect(res.headers['cache-control']).toBe('no-store')
    const { access_token, expires_in, token_type } = res.json()
    expect(token_type).toBe('Bearer')
    expect(expires_in).toBeLessThanOrEqual(600)
    expect(decodeProtectedHeader(access_token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' })
    const claims = decodeJwt(access_token)
    expect(claims).toMatchObject({
      iss: ISSUER,
      aud: ISSUER,
      sub: 'TH',
      member: 'TH',
      roles: ['analyst'],
      purpose: 'investigation',
      actor: 'ร.ต.อ. สมชาย ใจดี',
    })
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(600)

    const members = await gw.app.inject({ method: 'GET', url: '/v1/members', headers: bearer(access_token) })
    expect(members.statusCode).toBe(200)
    assertMatchesContract('listMembers', members)
    expect(members.json().members.map((m: { code: string }) => m.code)).toEqual(['KH', 'KR', 'LA', 'PH', 'TH', 'VN'])
  })

  it('accepts a JSON token request as well as the form-encoded one', async () => {
    const res = await gw.app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      payload: {
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await gw.assertion('VN'),
      },
    })
    expect(res.statusCode).toBe(200)
  })

  it("refuses an assertion signed by KR's key but claiming iss TH", async () => {
    const kr = await gw.memberKey('KR')
    const res = await exchange(await gw.assertion('TH', { key: kr.key, kid: kr.kid }))
    expectProblem(res, 401, 'UNKNOWN_KEY')
    assertMatchesContract('issueToken', res)
  })

  it("refuses TH's kid with KR's key (signature does not match the registered key)", async () => {
    const kr = await gw.memberKey('KR')
    expectProblem(await exchange(await gw.assertion('TH', { key: kr.key })), 401, 'BAD_SIGNATURE')
  })

  it('refuses an expired assertion', async () => {
    const iat = Math.floor(Date.now() / 1000) - 400
    expectProblem(await exchange(await gw.assertion('TH', { iat, exp: iat + 120 })), 401, 'TOKEN_EXPIRED')
  })

  it('refuses an assertion whose lifetime exceeds five minutes', async () => {
    const iat = Math.floor(Date.now() / 1000)
    expectProblem(await exchange(await gw.assertion('TH', { iat, exp: iat + 301 })), 401, 'TOKEN_LIFETIME_TOO_LONG')
  })

  it('refuses an assertion issued in the future', async () => {
    const iat = Math.floor(Date.now() / 1000) + 120
    expectProblem(await exchange(await gw.assertion('TH', { iat, exp: iat + 60 })), 401, 'TOKEN_NOT_YET_VALID')
  })

  it('refuses a replayed assertion, and the replay leaves no token behind', async () => {
    const a = await gw.assertion('LA')
    expect((await exchange(a)).statusCode).toBe(200)
    expectProblem(await exchange(a), 401, 'REPLAYED')
  })

  it('refuses a wrong audience, including the token endpoint URL', async () => {
    expectProblem(await exchange(await gw.assertion('TH', { aud: 'https://other-gateway.example' })), 401, 'WRONG_AUDIENCE')
    expectProblem(await exchange(await gw.assertion('TH', { aud: `${ISSUER}/v1/auth/token` })), 401, 'WRONG_AUDIENCE')
  })

  it('refuses sub different from iss, and client_id different from iss', async () => {
    expectProblem(await exchange(await gw.assertion('TH', { sub: 'KR' })), 401, 'WRONG_ISSUER')
    expectProblem(await exchange(await gw.assertion('TH'), { client_id: 'KR' }), 401, 'WRONG_ISSUER')
  })

  it('refuses alg none, HS256 (keyed with the public key) and RS256', async () => {
    const kid = (await gw.memberKey('TH')).kid
    const now = Math.floor(Date.now() / 1000)
    const payload = { iss: 'TH', sub: 'TH', aud: ISSUER, iat: now, exp: now + 60, jti: randomUUID(), actor: 'x', roles: ['analyst'] }
    const none = `${b64({ alg: 'none', typ: 'client-authentication+jwt', kid })}.${b64(payload)}.`
    expectProblem(await exchange(none), 401, 'ALGORITHM_NOT_ALLOWED')

    const th = (await gw.app.inject({ method: 'GET', url: `/v1/members/TH/jwks`, headers: bearer(await gw.token('TH')) })).json().keys[0]
    const hsInput = `${b64({ alg: 'HS256', typ: 'client-authentication+jwt', kid })}.${b64(payload)}`
    const hs = `${hsInput}.${createHmac('sha256', JSON.stringify(th)).update(hsInput).digest('base64url')}`
    expectProblem(await exchange(hs), 401, 'ALGORITHM_NOT_ALLOWED')

    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const rs = await new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'client-authentication+jwt', kid }).sign(privateKey)
    expectProblem(await exchange(rs), 401, 'ALGORITHM_NOT_ALLOWED')
  })

  it('refuses a JWT of another type presented as an assertion (explicit typing)', async () => {
    expectProblem(await exchange(await gw.assertion('TH', { typ: 'JWT' })), 401, 'WRONG_TOKEN_TYPE')
    expectProblem(await exchange(await gw.assertion('TH', { typ: 'at+jwt' })), 401, 'WRONG_TOKEN_TYPE')
    expectProblem(await exchange(await gw.token('TH')), 401, 'WRONG_TOKEN_TYPE')
  })

  it('ignores jku, x5u and embedded jwk headers: an attacker key named there is never used', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    const jwk = await exportJWK(publicKey)
    const forged = await gw.assertion('TH', {
      key: privateKey,
      kid: 'attacker-key-0000000000',
      extraHeader: { jwk, jku: 'http://127.0.0.1:1/jwks.json', x5u: 'http://127.0.0.1:1/cert.pem' },
    })
    expectProblem(await exchange(forged), 401, 'UNKNOWN_KEY')
    const forgedWithRealKid = await gw.assertion('TH', { key: privateKey, extraHeader: { jwk } })
    expectProblem(await exchange(forgedWithRealKid), 401, 'BAD_SIGNATURE')
  })

  it('refuses unknown roles, bad purposes and operation purposes (no joint operations yet)', async () => {
    expectProblem(await exchange(await gw.assertion('TH', { roles: ['superuser'] })), 400, 'INVALID_ROLE')
    expectProblem(await exchange(await gw.assertion('TH', { roles: [] })), 400, 'INVALID_REQUEST')
    expectProblem(await exchange(await gw.assertion('TH', { purpose: 'curiosity' })), 400, 'INVALID_PURPOSE')
    expectProblem(
      await exchange(await gw.assertion('TH', { purpose: 'operation:0193f3c2-7b1e-7cc0-9d2a-5f1e2d3c4b5a' })),
      400,
      'INVALID_PURPOSE',
    )
  })

  it('refuses malformed requests with problem+json and stores nothing', async () => {
    expectProblem(await exchange('not-a-jwt'), 401, 'TOKEN_MALFORMED')
    const res = await gw.app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      headers: FORM,
      payload: 'grant_type=password&username=a&password=b&client_assertion_type=x&client_assertion=y',
    })
    expectProblem(res, 400, 'UNSUPPORTED_GRANT_TYPE')
    const missing = await gw.app.inject({ method: 'POST', url: '/v1/auth/token', headers: FORM, payload: 'grant_type=client_credentials' })
    expectProblem(missing, 400, 'VALIDATION_FAILED')
    expect(missing.json().errors[0].pointer).toMatch(/^\/body\/client_assertion/)
  })
})

describe('bearer access tokens', () => {
  it('refuses a request without a token on /v1 and /graphql', async () => {
    expectProblem(await gw.app.inject({ method: 'GET', url: '/v1/members' }), 401, 'TOKEN_MISSING')
    expectProblem(
      await gw.app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ members { code } }' } }),
      401,
      'TOKEN_MISSING',
    )
  })

  it('refuses an access token whose payload was altered', async () => {
    const [h, p, s] = (await gw.token('TH')).split('.')
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString())
    const altered = `${h}.${b64({ ...claims, member: 'KR', sub: 'KR', roles: ['admin'] })}.${s}`
    expectProblem(await gw.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(altered) }), 401, 'BAD_SIGNATURE')
  })

  it('refuses an expired access token and one with an unsigned (none) header', async () => {
    const key = gw.app.gatewayKeys.accessToken.active
    const iat = Math.floor(Date.now() / 1000) - 1200
    const expired = await new SignJWT({ member: 'TH', actor: 'a', roles: ['analyst'], member_kid: (await gw.memberKey('TH')).kid })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid })
      .setIssuer(ISSUER)
      .setAudience(ISSUER)
      .setSubject('TH')
      .setIssuedAt(iat)
      .setExpirationTime(iat + 600)
      .setJti(randomUUID())
      .sign(key.privateKey)
    expectProblem(await gw.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(expired) }), 401, 'TOKEN_EXPIRED')
    const [, p] = (await gw.token('TH')).split('.')
    const none = `${b64({ alg: 'none', typ: 'at+jwt' })}.${p}.`
    const res = await gw.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(none) })
    expect(res.statusCode).toBe(401)
    expect(['ALGORITHM_NOT_ALLOWED', 'TOKEN_MALFORMED']).toContain(res.json().code)
  })

  it('refuses a member-signed client assertion presented as a bearer token', async () => {
    const res = await gw.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(await gw.assertion('TH')) })
    expect(res.statusCode).toBe(401)
    expect(['UNKNOWN_KEY', 'WRONG_TOKEN_TYPE']).toContain(res.json().code)
  })

  it('refuses a gateway-signed token of another typ or audience', async () => {
    const key = gw.app.gatewayKeys.accessToken.active
    const now = Math.floor(Date.now() / 1000)
    const sign = (typ: string, aud: string) =>
      new SignJWT({ member: 'TH', actor: 'a', roles: ['analyst'], member_kid: 'x'.repeat(43) })
        .setProtectedHeader({ alg: 'ES256', typ, kid: key.kid })
        .setIssuer(ISSUER)
        .setAudience(aud)
        .setSubject('TH')
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .setJti(randomUUID())
        .sign(key.privateKey)
    expectProblem(
      await gw.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(await sign('kb+jwt', ISSUER)) }),
      401,
      'WRONG_TOKEN_TYPE',
    )
    expectProblem(
      await gw.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(await sign('at+jwt', 'https://elsewhere.example')) }),
      401,
      'WRONG_AUDIENCE',
    )
  })

  it('refuses a suspended member everywhere, including tokens issued before the suspension', async () => {
    const before = await gw.token('PH')
    expect((await gw.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(before) })).statusCode).toBe(200)
    await setMemberStatus(gw.app.db, 'ops.duty-officer', 'PH', 'suspended', 'audit of data handling', new Date())
    try {
      expectProblem(await gw.app.inject({ method: 'GET', url: '/v1/members', headers: bearer(before) }), 403, 'MEMBER_SUSPENDED')
      expectProblem(
        await gw.app.inject({ method: 'POST', url: '/graphql', headers: bearer(before), payload: { query: '{ me { actor } }' } }),
        403,
        'MEMBER_SUSPENDED',
      )
      expectProblem(await exchange(await gw.assertion('PH')), 403, 'MEMBER_SUSPENDED')
    } finally {
      await setMemberStatus(gw.app.db, 'ops.duty-officer', 'PH', 'active', 'audit closed', new Date())
    }
    expect((await gw.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(before) })).statusCode).toBe(200)
  })

  it('judges each request by its own member when their state checks share one query', async () => {
    const tokens = await Promise.all(['LA', 'TH', 'LA', 'VN'].map((m) => gw.token(m)))
    await setMemberStatus(gw.app.db, 'ops.duty-officer', 'LA', 'suspended', 'review of a leaked lead', new Date())
    try {
      // Sent together: the state checks of all four are read in one batch.
      const answers = await Promise.all(tokens.map((t) => gw.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(t) })))
      expect(answers.map((r) => r.statusCode)).toEqual([403, 200, 403, 200])
      expect(answers.map((r) => (r.statusCode === 200 ? r.json().member.code : r.json().code))).toEqual([
        'MEMBER_SUSPENDED',
        'TH',
        'MEMBER_SUSPENDED',
        'VN',
      ])
    } finally {
      await setMemberStatus(gw.app.db, 'ops.duty-officer', 'LA', 'active', 'review closed', new Date())
    }
  })

  it('answers /v1/me with the principal', async () => {
    const res = await gw.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: bearer(await gw.token('KH', ['analyst', 'coordinator'], 'analysis')),
    })
    expect(res.statusCode).toBe(200)
    assertMatchesContract('getMe', res)
    expect(res.json()).toMatchObject({ member: { code: 'KH', shortName: 'NACD' }, roles: ['analyst', 'coordinator'], purpose: 'analysis' })
  })
})
