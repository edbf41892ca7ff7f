// Compact JWS (RFC 7515) on node:crypto, synchronously, for the per-request paths: the issuer JWT
// verified on every publish, the KB-JWT signed on every read, receipts and access tokens. jose 6
// signs and verifies through WebCrypto on Node (an async job and a key import per operation, several
// times the cost); it stays for JWK import, thumbprints, member assertions and the SDK's helpers.
import { createPublicKey, type JsonWebKey, KeyObject, sign, verify, type webcrypto } from 'node:crypto'
import type { JWK } from 'jose'

export type JwsAlg = 'ES256' | 'EdDSA'

export interface DecodedJws {
  header: Record<string, unknown>
  payload: Record<string, unknown>
  signingInput: string
  signature: Buffer
}

const B64URL = /^[A-Za-z0-9_-]*$/

/** Strict base64url: the alphabet only, and canonical (no spare bits set), so one text has one meaning. */
function strictDecode(segment: string): Buffer | undefined {
  if (!B64URL.test(segment)) return undefined
  const bytes = Buffer.from(segment, 'base64url')
  return bytes.toString('base64url') === segment ? bytes : undefined
}

function jsonObject(bytes: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(bytes.toString('utf8'))
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** Splits and decodes without verifying; undefined when it is not a compact JWS of two JSON objects. */
export function decodeJws(compact: string): DecodedJws | undefined {
  const parts = compact.split('.')
  if (parts.length !== 3) return undefined
  const [h, p, s] = parts as [string, string, string]
  const hb = strictDecode(h)
  const pb = strictDecode(p)
  const signature = strictDecode(s)
  if (!hb || !pb || !signature) return undefined
  const header = jsonObject(hb)
  const payload = jsonObject(pb)
  if (!header || !payload) return undefined
  return { header, payload, signingInput: `${h}.${p}`, signature }
}

/**
 * True only if the header names exactly `alg`, carries no `crit` (we understand no extensions) and
 * the signature verifies under `key`. ES256 signatures are the 64-byte IEEE P1363 form (RFC 7518).
 */
export function verifyJws(jws: DecodedJws, key: KeyObject, alg: JwsAlg): boolean {
  if (jws.header.alg !== alg || 'crit' in jws.header) return false
  const input = Buffer.from(jws.signingInput)
  if (alg === 'ES256') {
    if (jws.signature.length !== 64 || key.asymmetricKeyType !== 'ec') return false
    return verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, jws.signature)
  }
  if (key.asymmetricKeyType !== 'ed25519') return false
  return verify(null, input, key, jws.signature)
}

export function signJws(header: { alg: JwsAlg; typ: string; kid: string }, payload: Record<string, unknown>, key: KeyObject): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`
  const signature =
    header.alg === 'ES256' ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }) : sign(null, Buffer.from(input), key)
  return `${input}.${signature.toString('base64url')}`
}

/** A node KeyObject from a WebCrypto key, a KeyObject or a public JWK. */
export function toKeyObject(key: KeyObject | webcrypto.CryptoKey | JWK): KeyObject {
  if (key instanceof KeyObject) return key
  if ('usages' in key && 'algorithm' in key) return KeyObject.from(key as webcrypto.CryptoKey)
  return createPublicKey({ key: key as JsonWebKey, format: 'jwk' })
}
