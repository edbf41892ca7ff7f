// Offline verification does not expire (issue 11, hole 8): a presentation kept in a case file verifies
// a month later; age and nonce are checked only when the verifier asks. Receipt time is written the
// same way, a NumericDate with milliseconds, in the publish receipt and in the KB-JWT.
import { createPrivateKey, createPublicKey } from 'node:crypto'
import { type JWK } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import type { GatewayKeySet } from '../../src/auth/gateway-keys.js'
import { decodeJws } from '@icacn/sdk/jws'
import { newEs256PrivateJwk } from '../../src/members/jwks.js'
import { signReceipt } from '../../src/records/receipt.js'
import { bindPresentation } from '@icacn/sdk/sd-jwt'
import { splitSdJwt } from '@icacn/sdk/sd-jwt'
import { issueRecord, type Trust, verifyPresentation } from '@icacn/sdk'
import { krPersonRecord } from '../fixtures/kr-person.js'

const DAY = 86_400_000
const publicOf = (jwk: JWK): JWK => ({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid: jwk.kid, alg: 'ES256', use: 'sig' })
const privateKey = (jwk: JWK) => createPrivateKey({ key: jwk as never, format: 'jwk' })

let kb: JWK
let trust: Trust
let issued: string
const releasedAt = new Date('2026-03-02T01:20:00.000Z')
const receivedAt = new Date('2026-03-01T23:59:58.431Z')

/** The gateway's presentation of KR's record to TH, signed at `releasedAt` with this nonce. */
const presentation = (nonce = 'th-read-7f3a') => {
  const { issuerJwt, disclosures } = splitSdJwt(issued)
  return bindPresentation({
    issuerJwt,
    disclosures,
    signer: { key: privateKey(kb), kid: kb.kid!, alg: 'ES256' },
    aud: 'TH',
    nonce,
    iat: Math.floor(releasedAt.getTime() / 1000),
    extra: { icacn_received_at: receivedAt.getTime() / 1000 },
  })
}

beforeAll(async () => {
  const kr = await newEs256PrivateJwk()
  kb = await newEs256PrivateJwk()
  issued = await issueRecord(
    krPersonRecord({ createdAt: '2026-03-01T23:50:00.000Z' }),
    { key: privateKey(kr), kid: kr.kid!, alg: 'ES256' },
    { holderJwk: publicOf(kb) },
  )
  trust = { members: { KR: { keys: [publicOf(kr)] } }, gateway: { keys: [{ ...publicOf(kb), icacn_use: 'key-binding' } as JWK] } }
})

describe('verifyPresentation freshness is opt-in', () => {
  it('a presentation verified 30 days later passes with no freshness options', async () => {
    const v = await verifyPresentation(presentation(), trust, { aud: 'TH', now: new Date(releasedAt.getTime() + 30 * DAY) })
    expect(v.originator).toBe('KR')
    expect(v.body.names).toEqual(krPersonRecord().body.names)
    expect(v.keyBinding).toEqual({ aud: 'TH', iat: releasedAt.getTime() / 1000, nonce: 'th-read-7f3a' })
    expect(v.receivedAt.toISOString()).toBe(receivedAt.toISOString())
  })

  it('with maxAgeSeconds, the same presentation is refused 30 days later and accepted within the window', async () => {
    const later = new Date(releasedAt.getTime() + 30 * DAY)
    await expect(verifyPresentation(presentation(), trust, { aud: 'TH', now: later, maxAgeSeconds: 600 })).rejects.toMatchObject({
      code: 'TOKEN_EXPIRED',
    })
    await expect(verifyPresentation(presentation(), trust, { aud: 'TH', now: later, maxAgeSeconds: 31 * 86_400 })).resolves.toMatchObject({
      originator: 'KR',
    })
    await expect(
      verifyPresentation(presentation(), trust, { aud: 'TH', now: new Date(releasedAt.getTime() + 300_000), maxAgeSeconds: 600 }),
    ).resolves.toMatchObject({ originator: 'KR' })
  })

  it('with a nonce, only the KB-JWT carrying that nonce passes', async () => {
    const now = new Date(releasedAt.getTime() + 30 * DAY)
    await expect(verifyPresentation(presentation('th-read-7f3a'), trust, { aud: 'TH', now, nonce: 'th-read-7f3a' })).resolves.toMatchObject(
      { originator: 'KR' },
    )
    await expect(verifyPresentation(presentation('th-read-7f3a'), trust, { aud: 'TH', now, nonce: 'th-read-0000' })).rejects.toMatchObject({
      code: 'INVALID_CLAIMS',
    })
    await expect(verifyPresentation(presentation('th-read-7f3a'), trust, { aud: 'TH', now, nonce: '' })).rejects.toMatchObject({
      code: 'INVALID_CLAIMS',
    })
  })

  it('still refuses a KB-JWT dated in the future, and the wrong audience, with no options', async () => {
    await expect(verifyPresentation(presentation(), trust, { aud: 'TH', now: new Date(releasedAt.getTime() - DAY) })).rejects.toMatchObject(
      { code: 'TOKEN_NOT_YET_VALID' },
    )
    await expect(
      verifyPresentation(presentation(), trust, { aud: 'VN', now: new Date(releasedAt.getTime() + 30 * DAY) }),
    ).rejects.toMatchObject({ code: 'WRONG_AUDIENCE' })
  })
})

describe('receipt time', () => {
  it('the publish receipt carries icacn_received_at as a NumericDate with milliseconds, as the KB-JWT does', async () => {
    const jwk = await newEs256PrivateJwk()
    const key = {
      kid: jwk.kid!,
      alg: 'ES256' as const,
      privateKey: privateKey(jwk),
      publicKey: createPublicKey(privateKey(jwk)),
      publicJwk: publicOf(jwk),
      publicPem: '',
    }
    const keys: GatewayKeySet = { active: key, all: [key], byKid: (kid) => (kid === key.kid ? key : undefined) }
    const receipt = decodeJws(
      signReceipt(keys, {
        issuer: 'https://exchange.icacn.test',
        originator: 'KR',
        recordId: '019c8e5a-3f10-7b2e-9c41-5d8e2a7f6b13',
        version: 1,
        sdJwtSha256: 'x'.repeat(43),
        receivedAt,
      }),
    )!.payload
    const kbClaims = decodeJws(presentation().slice(presentation().lastIndexOf('~') + 1))!.payload
    expect(receipt.icacn_received_at).toBe(1772409598.431)
    expect(receipt.icacn_received_at).toBe(kbClaims.icacn_received_at)
    expect(receipt).not.toHaveProperty('received_at')
  })
})
