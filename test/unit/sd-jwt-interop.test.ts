// Our SD-JWT implementation against an independent one (@sd-jwt/core 0.19): each verifies what the
// other issues and presents, with and without key binding; a flipped byte fails in both; what it
// issues meets the coalition profile once told to pad with decoys (it adds none unasked).
import { SDJwtInstance } from '@sd-jwt/core'
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify } from 'node:crypto'
import { type CryptoKey, exportJWK, generateKeyPair, type JWK } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { bindPresentation, issueSdJwt, verifySdJwt } from '@icacn/sdk/sd-jwt'
import { selectDisclosures, splitSdJwt } from '@icacn/sdk/sd-jwt'
import { assertSdJwtProfile } from '@icacn/sdk/sd-jwt'

const TYP = 'icacn-record+sd-jwt'
const body = {
  nameKhmer: 'សុខ វណ្ណា',
  nameLatin: 'SOK Vanna',
  passport: { country: 'KHM', number: 'N01234567' },
  aliases: ['Vanna Sok', 'បង ណា'],
  wallet: { chain: 'tron', address: 'TPvRkJyXNWbkQwqeEhUdetRdEgR388XkDb' },
}
const claims = { iss: 'KH', type: 'person', marking: 'AMBER', releasableTo: ['KR', 'TH'], body }
const frame = {
  props: {
    body: {
      props: {
        nameKhmer: { sd: true },
        nameLatin: { sd: true },
        passport: { sd: true },
        aliases: { sd: true, items: { sd: true } },
        wallet: { sd: true },
      },
    },
  },
}

type Pair = { privateJwk: JWK; publicJwk: JWK; privateKey: CryptoKey }
let issuer: Pair
let holder: Pair

async function pair(): Promise<Pair> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  return { privateJwk: await exportJWK(privateKey), publicJwk: await exportJWK(publicKey), privateKey: privateKey as CryptoKey }
}

// Node crypto for the independent library: ES256 in JOSE (IEEE P1363) form.
const nodeSigner = (jwk: JWK) => (data: string) =>
  sign('sha256', Buffer.from(data), { key: createPrivateKey({ key: jwk as any, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }).toString(
    'base64url',
  )
const nodeVerifier = (jwk: JWK) => (data: string, sig: string) =>
  verify(
    'sha256',
    Buffer.from(data),
    { key: createPublicKey({ key: jwk as any, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
    Buffer.from(sig, 'base64url'),
  )

function reference(saltGenerator = () => randomBytes(16).toString('base64url')): SDJwtInstance<Record<string, unknown>> {
  return new SDJwtInstance({
    hasher: (data: string | ArrayBuffer) =>
      new Uint8Array(
        createHash('sha256')
          .update(typeof data === 'string' ? data : Buffer.from(data))
          .digest(),
      ),
    hashAlg: 'sha-256',
    saltGenerator,
    signer: nodeSigner(issuer.privateJwk),
    signAlg: 'ES256',
    verifier: nodeVerifier(issuer.publicJwk),
    kbSigner: nodeSigner(holder.privateJwk),
    kbSignAlg: 'ES256',
    kbVerifier: (data: string, sig: string, payload: any) => nodeVerifier(payload.cnf.jwk)(data, sig),
  })
}

const ours = (sdJwt: string, keyBinding?: { aud: string; nonce: string }) =>
  verifySdJwt(sdJwt, {
    typ: TYP,
    issuerKey: async () => ({ key: issuer.publicJwk, alg: 'ES256' }),
    ...(keyBinding ? { keyBinding: { ...keyBinding, now: new Date(), maxAgeSeconds: 300 } } : {}),
  })

beforeAll(async () => {
  issuer = await pair()
  holder = await pair()
})

describe('interop with @sd-jwt/core', () => {
  it('@sd-jwt/core verifies what we issue, and reads the same claims', async () => {
    const { sdJwt } = await issueSdJwt({
      claims,
      frame,
      typ: TYP,
      signer: { key: issuer.privateKey, kid: 'kh-1', alg: 'ES256' },
      holderJwk: holder.publicJwk,
    })
    const result = await reference().verify(sdJwt)
    const { cnf, _sd_alg, ...rest } = result.payload as Record<string, unknown>
    expect(rest).toEqual(claims)
    expect(cnf).toEqual({ jwk: holder.publicJwk })
  })

  // Five fields and three decoys: eight digests, the smallest bucket the profile accepts.
  const referenceIssue = (ref: SDJwtInstance<Record<string, unknown>>, decoys: number) =>
    ref.issue(
      { ...claims, cnf: { jwk: holder.publicJwk } },
      { body: { _sd: ['nameKhmer', 'nameLatin', 'passport', 'aliases', 'wallet'], _sd_decoy: decoys, aliases: { _sd: [0, 1] } } } as any,
      { header: { typ: TYP, kid: 'kh-1' } },
    )

  it('we verify what @sd-jwt/core issues, and it meets the coalition profile', async () => {
    const v = await ours(await referenceIssue(reference(), 3))
    expect(v.claims).toMatchObject(claims)
    expect(v.payload._sd_alg).toBe('sha-256')
    expect(() => assertSdJwtProfile(v)).not.toThrow()
  })

  it('what @sd-jwt/core issues without decoys, or with short salts, verifies but breaks the profile', async () => {
    const bare = await ours(await referenceIssue(reference(), 0))
    expect(() => assertSdJwtProfile(bare)).toThrow(
      expect.objectContaining({ code: 'SD_JWT_PROFILE', errors: [expect.objectContaining({ pointer: '/body/_sd' })] }),
    )
    const short = await ours(
      await referenceIssue(
        reference(() => randomBytes(4).toString('base64url')),
        3,
      ),
    )
    expect(() => assertSdJwtProfile(short)).toThrow(
      expect.objectContaining({
        code: 'SD_JWT_PROFILE',
        errors: expect.arrayContaining([expect.objectContaining({ pointer: '/body/aliases/0', detail: expect.stringMatching(/4 bytes/) })]),
      }),
    )
  })

  it('@sd-jwt/core verifies our redacted presentation with our key-binding JWT', async () => {
    const { issuerJwt, disclosures } = await issueSdJwt({
      claims,
      frame,
      typ: TYP,
      signer: { key: issuer.privateKey, kid: 'kh-1', alg: 'ES256' },
      holderJwk: holder.publicJwk,
    })
    const shown = selectDisclosures(disclosures, (p) => p !== '/body/passport' && p !== '/body/aliases/1')
    const presentation = await bindPresentation({
      issuerJwt,
      disclosures: shown.map((d) => d.encoded),
      signer: { key: holder.privateKey, kid: 'gw-kb-1', alg: 'ES256' },
      aud: 'TH',
      nonce: 'n-4711',
      iat: Math.floor(Date.now() / 1000),
    })
    expect(presentation).not.toContain(Buffer.from('N01234567').toString('base64url').slice(0, 8))
    const result = await reference().verify(presentation, { keyBindingNonce: 'n-4711' })
    const body = (result.payload as any).body
    expect(body.passport).toBeUndefined()
    expect(body.aliases).toEqual(['Vanna Sok'])
    expect(result.kb?.payload.aud).toBe('TH')
    const mine = await ours(presentation, { aud: 'TH', nonce: 'n-4711' })
    expect(mine.claims.body).toEqual(body)
  })

  it('we verify a presentation made by @sd-jwt/core with its key binding', async () => {
    const ref = reference()
    const { sdJwt } = await issueSdJwt({
      claims,
      frame,
      typ: TYP,
      signer: { key: issuer.privateKey, kid: 'kh-1', alg: 'ES256' },
      holderJwk: holder.publicJwk,
    })
    const presented = await ref.present(sdJwt, { body: { nameLatin: true, wallet: true } } as any, {
      kb: { payload: { aud: 'KR', nonce: 'n-1', iat: Math.floor(Date.now() / 1000) } },
    })
    const v = await ours(presented, { aud: 'KR', nonce: 'n-1' })
    expect(v.claims.body).toEqual({ nameLatin: 'SOK Vanna', wallet: body.wallet })
    await expect(ours(presented, { aud: 'TH', nonce: 'n-1' })).rejects.toMatchObject({ code: 'WRONG_AUDIENCE' })
  })

  it('a flipped byte in any disclosure or in the issuer JWT fails our verification; the reference never surfaces it', async () => {
    const issued = await issueSdJwt({
      claims,
      frame,
      typ: TYP,
      signer: { key: issuer.privateKey, kid: 'kh-1', alg: 'ES256' },
      holderJwk: holder.publicJwk,
    })
    const parts = splitSdJwt(issued.sdJwt)
    const flip = (s: string, at: number) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1)
    const join = (jwt: string, ds: string[]) => [jwt, ...ds].join('~') + '~'
    const at = (obj: unknown, pointer: string) =>
      pointer
        .split('/')
        .slice(1)
        .reduce<any>((o, k) => o?.[k], obj)
    for (let i = 0; i < parts.disclosures.length; i++) {
      const v = join(
        parts.issuerJwt,
        parts.disclosures.map((d, j) => (j === i ? flip(d, 7) : d)),
      )
      await expect(ours(v)).rejects.toMatchObject({ code: 'TAMPERED_DISCLOSURE' })
      // @sd-jwt/core 0.19 drops a disclosure that matches no digest instead of rejecting the SD-JWT
      // as RFC 9901 §7.1 requires; either way the tampered claim must not come through.
      const payload = await reference()
        .verify(v)
        .then(
          (r) => r.payload,
          () => null,
        )
      if (payload) expect(at(payload, issued.disclosures[i]!.path)).not.toEqual(at(claims, issued.disclosures[i]!.path))
    }
    const badSignature = join(flip(parts.issuerJwt, parts.issuerJwt.length - 5), parts.disclosures)
    await expect(ours(badSignature)).rejects.toMatchObject({ code: 'BAD_SIGNATURE' })
    await expect(reference().verify(badSignature)).rejects.toThrow()
    // a flipped payload byte either breaks the JSON (malformed) or the signature; never accepted
    const badPayload = join(flip(parts.issuerJwt, parts.issuerJwt.indexOf('.') + 12), parts.disclosures)
    await expect(ours(badPayload)).rejects.toMatchObject({ code: expect.stringMatching(/^(BAD_SIGNATURE|SD_JWT_MALFORMED)$/) })
    await expect(reference().verify(badPayload)).rejects.toThrow()
  })
})
