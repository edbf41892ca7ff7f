// Key rotation: a member's admin registers a key with a request signed by an active key of its
// own, retires or revokes keys; operator acts (suspend, first key) are recorded in the audit log.
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from 'jose'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditFor } from '../../src/audit/audit.repository.js'
import { operatorRegisterKey, setMemberStatus } from '../../src/members/member.service.js'
import { assertMatchesContract } from '../support/contract.js'
import { bearer, ISSUER, startGateway, type TestGateway, tokenForm } from '../support/app.js'

let gw: TestGateway
beforeAll(async () => {
  gw = await startGateway()
})
afterAll(async () => gw?.close())

async function newKeyPair(alg: 'ES256' | 'EdDSA' = 'ES256') {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  return { privateKey, jwk: await exportJWK(publicKey) }
}

async function registrationRequest(
  member: string,
  jwk: object,
  signer: { kid: string; key: CryptoKey },
  o: { typ?: string; jti?: string; iss?: string } = {},
) {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ jwk })
    .setProtectedHeader({ alg: 'ES256', typ: o.typ ?? 'key-registration+jwt', kid: signer.kid })
    .setIssuer(o.iss ?? member)
    .setSubject(o.iss ?? member)
    .setAudience(ISSUER)
    .setIssuedAt(now)
    .setExpirationTime(now + 120)
    .setJti(o.jti ?? randomUUID())
    .sign(signer.key)
}

const post = async (url: string, token: string, payload?: object) =>
  gw.app.inject({ method: 'POST', url, headers: bearer(token), ...(payload ? { payload } : {}) })

async function tokenWithKey(member: string, kid: string, key: CryptoKey, alg: 'ES256' | 'EdDSA' = 'ES256') {
  const now = Math.floor(Date.now() / 1000)
  const a = await new SignJWT({ actor: 'rotation-test', roles: ['analyst'] })
    .setProtectedHeader({ alg, typ: 'client-authentication+jwt', kid })
    .setIssuer(member)
    .setSubject(member)
    .setAudience(ISSUER)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .setJti(randomUUID())
    .sign(key)
  return gw.app.inject({
    method: 'POST',
    url: '/v1/auth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: tokenForm(a),
  })
}

describe('key rotation by the member admin', () => {
  it('registers a new key signed by an active key, then the new key authenticates', async () => {
    const admin = await gw.token('VN', ['admin'])
    const fresh = await newKeyPair()
    const res = await post('/v1/members/VN/keys', admin, { request: await registrationRequest('VN', fresh.jwk, await gw.memberKey('VN')) })
    expect(res.statusCode).toBe(201)
    assertMatchesContract('registerMemberKey', res)
    const key = res.json()
    expect(key).toMatchObject({ alg: 'ES256', status: 'active', retiredAt: null, revokedAt: null })
    expect((await tokenWithKey('VN', key.kid, fresh.privateKey)).statusCode).toBe(200)

    const audit = await auditFor(gw.app.db, 'member:VN')
    expect(audit.find((a) => a.action === 'member.key.registered' && a.details.kid === key.kid)).toMatchObject({ actorKind: 'member' })
  })

  it('registers an Ed25519 key, which then authenticates with EdDSA', async () => {
    const admin = await gw.token('KH', ['admin'])
    const fresh = await newKeyPair('EdDSA')
    const res = await post('/v1/members/KH/keys', admin, { request: await registrationRequest('KH', fresh.jwk, await gw.memberKey('KH')) })
    expect(res.statusCode).toBe(201)
    expect(res.json().alg).toBe('EdDSA')
    expect((await tokenWithKey('KH', res.json().kid, fresh.privateKey, 'EdDSA')).statusCode).toBe(200)
  })

  it("refuses a registration signed by another member's key, by a non-admin, or for another member", async () => {
    const fresh = await newKeyPair()
    const krAdmin = await gw.token('KR', ['admin'])
    // signed by KR's key but claiming TH: the key is looked up under TH and not found
    const forged = await registrationRequest('TH', fresh.jwk, await gw.memberKey('KR'))
    const thAdmin = await gw.token('TH', ['admin'])
    expect((await post('/v1/members/TH/keys', thAdmin, { request: forged })).json().code).toBe('UNKNOWN_KEY')
    // KR's admin acting on TH
    const crossMember = await post('/v1/members/TH/keys', krAdmin, {
      request: await registrationRequest('KR', fresh.jwk, await gw.memberKey('KR')),
    })
    expect([crossMember.statusCode, crossMember.json().code]).toEqual([403, 'FORBIDDEN_MEMBER'])
    // an analyst cannot register keys
    const analyst = await gw.token('TH', ['analyst'])
    const res = await post('/v1/members/TH/keys', analyst, {
      request: await registrationRequest('TH', fresh.jwk, await gw.memberKey('TH')),
    })
    expect([res.statusCode, res.json().code]).toEqual([403, 'MISSING_ROLE'])
    const keys = (await gw.app.inject({ method: 'GET', url: '/v1/members/TH/keys', headers: bearer(analyst) })).json().keys
    expect(keys).toHaveLength(1)
  })

  it('refuses a replayed, mistyped or private-key registration request', async () => {
    const admin = await gw.token('LA', ['admin'])
    const signer = await gw.memberKey('LA')
    const fresh = await newKeyPair()
    const jti = randomUUID()
    expect(
      (await post('/v1/members/LA/keys', admin, { request: await registrationRequest('LA', fresh.jwk, signer, { jti }) })).statusCode,
    ).toBe(201)
    const other = await newKeyPair()
    const replay = await post('/v1/members/LA/keys', admin, { request: await registrationRequest('LA', other.jwk, signer, { jti }) })
    expect([replay.statusCode, replay.json().code]).toEqual([401, 'REPLAYED'])
    const wrongTyp = await post('/v1/members/LA/keys', admin, {
      request: await registrationRequest('LA', other.jwk, signer, { typ: 'client-authentication+jwt' }),
    })
    expect(wrongTyp.json().code).toBe('WRONG_TOKEN_TYPE')
    const priv = await exportJWK(other.privateKey)
    const withPrivate = await post('/v1/members/LA/keys', admin, { request: await registrationRequest('LA', priv, signer) })
    expect([withPrivate.statusCode, withPrivate.json().code]).toEqual([400, 'INVALID_KEY'])
    const dup = await post('/v1/members/LA/keys', admin, { request: await registrationRequest('LA', fresh.jwk, signer) })
    expect([dup.statusCode, dup.json().code]).toEqual([409, 'KEY_CONFLICT'])
  })

  it('retires a key: it no longer authenticates, stays in the JWKS marked with exp, and the last active key cannot be retired', async () => {
    const old = await gw.memberKey('PH')
    const admin = await gw.token('PH', ['admin'])
    const lastOne = await post(`/v1/members/PH/keys/${old.kid}/retire`, admin)
    expect([lastOne.statusCode, lastOne.json().code]).toEqual([409, 'LAST_ACTIVE_KEY'])

    const fresh = await newKeyPair()
    const reg = await post('/v1/members/PH/keys', admin, { request: await registrationRequest('PH', fresh.jwk, old) })
    expect(reg.statusCode).toBe(201)
    const retired = await post(`/v1/members/PH/keys/${old.kid}/retire`, admin)
    expect(retired.statusCode).toBe(200)
    assertMatchesContract('retireMemberKey', retired)
    expect(retired.json().status).toBe('retired')

    const refused = await tokenWithKey('PH', old.kid, old.key)
    expect([refused.statusCode, refused.json().code]).toEqual([401, 'KEY_RETIRED'])
    // a token obtained before the retirement stays valid: retirement is not compromise
    expect((await gw.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(admin) })).statusCode).toBe(200)

    const jwks = await gw.app.inject({ method: 'GET', url: '/v1/members/PH/jwks', headers: bearer(admin) })
    assertMatchesContract('getMemberJwks', jwks)
    const oldJwk = jwks.json().keys.find((k: { kid: string }) => k.kid === old.kid)
    expect(oldJwk.exp).toBeTypeOf('number')
    const again = await post(`/v1/members/PH/keys/${old.kid}/retire`, admin)
    expect(again.json().code).toBe('KEY_STATE_CONFLICT')
  })

  it('revokes a compromised key: tokens it already obtained stop working at once and it leaves the JWKS', async () => {
    const admin = await gw.token('VN', ['admin'])
    const compromised = await newKeyPair()
    const reg = await post('/v1/members/VN/keys', admin, {
      request: await registrationRequest('VN', compromised.jwk, await gw.memberKey('VN')),
    })
    const kid = reg.json().kid as string
    const stolen = (await tokenWithKey('VN', kid, compromised.privateKey)).json().access_token as string
    expect((await gw.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(stolen) })).statusCode).toBe(200)

    const noReason = await post(`/v1/members/VN/keys/${kid}/revoke`, admin, {})
    expect([noReason.statusCode, noReason.json().code]).toEqual([400, 'VALIDATION_FAILED'])
    const res = await post(`/v1/members/VN/keys/${kid}/revoke`, admin, { reason: 'laptop of duty analyst stolen in Hà Nội' })
    expect(res.statusCode).toBe(200)
    assertMatchesContract('revokeMemberKey', res)
    expect(res.json()).toMatchObject({ status: 'revoked', revocationReason: 'laptop of duty analyst stolen in Hà Nội' })

    const after = await gw.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(stolen) })
    expect([after.statusCode, after.json().code]).toEqual([401, 'KEY_REVOKED'])
    expect((await tokenWithKey('VN', kid, compromised.privateKey)).json().code).toBe('KEY_REVOKED')
    const jwks = (await gw.app.inject({ method: 'GET', url: '/v1/members/VN/jwks', headers: bearer(admin) })).json()
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).not.toContain(kid)
    const all = await gw.app.inject({ method: 'GET', url: '/v1/members/VN/keys', headers: bearer(admin) })
    assertMatchesContract('listMemberKeys', all)
    expect(all.json().keys.find((k: { kid: string }) => k.kid === kid).status).toBe('revoked')
  })

  it('answers 404 for unknown members and keys', async () => {
    const t = await gw.token('TH', ['admin'])
    const m = await gw.app.inject({ method: 'GET', url: '/v1/members/SG', headers: bearer(t) })
    expect([m.statusCode, m.json().code]).toEqual([404, 'MEMBER_NOT_FOUND'])
    assertMatchesContract('getMember', m)
    const k = await post(`/v1/members/TH/keys/${'A'.repeat(43)}/retire`, t)
    expect([k.statusCode, k.json().code]).toEqual([404, 'KEY_NOT_FOUND'])
    const bad = await gw.app.inject({ method: 'GET', url: '/v1/members/th', headers: bearer(t) })
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'VALIDATION_FAILED'])
  })
})

describe('operator acts', () => {
  it('records suspension and reinstatement with the operator and reason', async () => {
    await setMemberStatus(gw.app.db, 'op.kim', 'LA', 'suspended', 'key custody review', new Date())
    const m = await gw.app.inject({ method: 'GET', url: '/v1/members/LA', headers: bearer(await gw.token('KR')) })
    expect(m.json().status).toBe('suspended')
    await expect(setMemberStatus(gw.app.db, 'op.kim', 'LA', 'suspended', 'again', new Date())).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
    })
    await setMemberStatus(gw.app.db, 'op.kim', 'LA', 'active', 'review complete', new Date())
    const audit = await auditFor(gw.app.db, 'member:LA')
    expect(audit.filter((a) => a.actorKind === 'operator').map((a) => [a.action, a.actor, a.details.reason])).toEqual([
      ['member.suspended', 'op.kim', 'key custody review'],
      ['member.reinstated', 'op.kim', 'review complete'],
    ])
  })

  it('registers a key for a member and refuses the same key for a second member', async () => {
    const { jwk } = await newKeyPair()
    const key = await operatorRegisterKey(gw.app.db, 'op.somchai', 'TH', jwk, new Date())
    expect(key.registeredBy).toBe('operator:op.somchai')
    await expect(operatorRegisterKey(gw.app.db, 'op.somchai', 'KR', jwk, new Date())).rejects.toMatchObject({ code: 'KEY_CONFLICT' })
    await expect(operatorRegisterKey(gw.app.db, 'op.somchai', 'XX', (await newKeyPair()).jwk, new Date())).rejects.toMatchObject({
      code: 'MEMBER_NOT_FOUND',
    })
  })
})
