// The SDK's signed member requests: what they name is what the gateway compares (a record id in
// lower case, a key's algorithm from its type when the JWK does not say), and the client assertion
// is the same member JWT with its own type and lifetime.
import { type CryptoKey, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { signClientAssertion, signKeyRegistration, signRecordWithdrawal } from '@icacn/sdk'

const AUD = 'https://exchange.icacn.test'

let signer: { member: string; kid: string; key: CryptoKey; audience: string }
beforeAll(async () => {
  signer = { member: 'LA', kid: 'la-ops-2026', key: (await generateKeyPair('ES256')).privateKey, audience: AUD }
})

describe('SDK member requests', () => {
  it('a withdrawal names the record id in lower case', async () => {
    const jwt = await signRecordWithdrawal({ ...signer, record: '01A21E84-5D19-7CFE-8658-D09A60C235FC', reason: 'ແຫຼ່ງຂ່າວຖອນຄືນ' })
    expect(decodeJwt(jwt)).toMatchObject({ record: '01a21e84-5d19-7cfe-8658-d09a60c235fc', iss: 'LA', sub: 'LA', aud: AUD })
    expect(decodeProtectedHeader(jwt).typ).toBe('record-withdrawal+jwt')
  })

  it('a key registration gives an Ed25519 key without alg the algorithm EdDSA, and a P-256 one ES256', async () => {
    const ed = await exportJWK((await generateKeyPair('EdDSA', { extractable: true })).publicKey)
    const ec = await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey)
    expect((decodeJwt(await signKeyRegistration({ ...signer, jwk: ed })).jwk as { alg: string }).alg).toBe('EdDSA')
    expect((decodeJwt(await signKeyRegistration({ ...signer, jwk: ec })).jwk as { alg: string }).alg).toBe('ES256')
  })

  it('a client assertion carries actor, roles and purpose, typ client-authentication+jwt, and the lifetime asked for', async () => {
    const now = new Date('2026-11-27T03:00:00Z')
    const jwt = await signClientAssertion({
      ...signer,
      actor: 'ສູນຂ່າວ',
      roles: ['analyst'],
      purpose: 'investigation',
      lifetimeSeconds: 60,
      now,
    })
    const claims = decodeJwt(jwt)
    expect(claims).toMatchObject({ actor: 'ສູນຂ່າວ', roles: ['analyst'], purpose: 'investigation', iss: 'LA', sub: 'LA', aud: AUD })
    expect(claims.exp! - claims.iat!).toBe(60)
    expect(decodeProtectedHeader(jwt)).toMatchObject({ typ: 'client-authentication+jwt', kid: 'la-ops-2026', alg: 'ES256' })
  })
})
