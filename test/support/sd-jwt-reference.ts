// The independent check of a presentation: @sd-jwt/core (not our SDK) verifies the originator's
// signature, every disclosure and the gateway's key-binding JWT with node:crypto.
import { createHash, createPublicKey, verify } from 'node:crypto'
import { SDJwtInstance } from '@sd-jwt/core'
import type { JWK } from 'jose'

const es256 = (key: JWK | object, data: string, sig: string) =>
  verify(
    'sha256',
    Buffer.from(data),
    { key: createPublicKey({ key: key as JWK, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
    Buffer.from(sig, 'base64url'),
  )

/** Resolves with the verified claims, or rejects. */
export async function referenceVerify(sdJwt: string, originatorKey: JWK, nonce: string): Promise<Record<string, unknown>> {
  const reference = new SDJwtInstance({
    hasher: (d: string | ArrayBuffer) =>
      new Uint8Array(
        createHash('sha256')
          .update(typeof d === 'string' ? d : Buffer.from(d))
          .digest(),
      ),
    hashAlg: 'sha-256',
    verifier: (data: string, sig: string) => es256(originatorKey, data, sig),
    kbVerifier: (data: string, sig: string, payload: any) => es256(payload.cnf.jwk, data, sig),
  })
  const r = await reference.verify(sdJwt, { keyBindingNonce: nonce })
  return r.payload as Record<string, unknown>
}
