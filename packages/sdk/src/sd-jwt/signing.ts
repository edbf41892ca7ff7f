// Signing and verifying SD-JWTs (RFC 9901): the issuer-signed JWT, the key-binding JWT that binds a
// presentation to its audience (§4.3), and verification of a whole presentation (§7).
import { type KeyObject, randomBytes, type webcrypto } from 'node:crypto'
import type * as jose from 'jose'
import { type DecodedJws, decodeJws, signJws, toKeyObject, verifyJws } from '../jws.js'
import { CLOCK_TOLERANCE_S, JWT_TYP } from '../jwt-types.js'
import { errors } from '../errors.js'
import { type Disclosure, joinSdJwt, pack, type Random, SD_ALG, type SdFrame, sdHash, splitSdJwt, unpack } from './sd-jwt.js'

export type SigningAlg = 'ES256' | 'EdDSA'

export interface Signer {
  key: KeyObject | webcrypto.CryptoKey
  kid: string
  alg: SigningAlg
}

export interface IssueInput {
  /** Claims in the clear and, through `frame`, the selectively disclosable ones. */
  claims: Record<string, unknown>
  frame: SdFrame
  typ: string
  signer: Signer
  /** Holder key for key binding (`cnf.jwk`): for records, the gateway's key-binding key. */
  holderJwk?: jose.JWK
  random?: Random
}

export async function issueSdJwt(i: IssueInput): Promise<{ sdJwt: string; issuerJwt: string; disclosures: Disclosure[] }> {
  const { packed, disclosures } = pack(i.claims, i.frame, i.random ?? randomBytes)
  const payload = { ...(packed as Record<string, unknown>), _sd_alg: SD_ALG, ...(i.holderJwk ? { cnf: { jwk: i.holderJwk } } : {}) }
  const issuerJwt = signJws({ alg: i.signer.alg, typ: i.typ, kid: i.signer.kid }, payload, toKeyObject(i.signer.key))
  const encoded = disclosures.map((d) => d.encoded)
  return { sdJwt: joinSdJwt(issuerJwt, encoded), issuerJwt, disclosures }
}

export interface KeyBindingInput {
  issuerJwt: string
  disclosures: readonly string[]
  signer: Signer
  aud: string
  nonce: string
  iat: number
  /** Further claims of the KB-JWT (RFC 9901 §4.3 allows them), e.g. the gateway's receipt time. */
  extra?: Record<string, unknown>
}

/** Appends a KB-JWT (typ kb+jwt) over exactly the disclosures presented: a signed record of what went to whom. */
export function bindPresentation(i: KeyBindingInput): string {
  const kb = signJws(
    { alg: i.signer.alg, typ: JWT_TYP.keyBinding, kid: i.signer.kid },
    { ...i.extra, iat: i.iat, aud: i.aud, nonce: i.nonce, sd_hash: sdHash(i.issuerJwt, i.disclosures) },
    toKeyObject(i.signer.key),
  )
  return joinSdJwt(i.issuerJwt, i.disclosures) + kb
}

export interface VerifyOptions {
  typ: string
  /** Chooses the issuer's key from the unverified header and payload (e.g. by iss and kid). */
  issuerKey(header: jose.ProtectedHeaderParameters, payload: jose.JWTPayload): Promise<{ key: KeyObject | jose.JWK; alg: SigningAlg }>
  /** Time against which exp and nbf are judged (default: now). */
  now?: Date
  /**
   * Require a KB-JWT for this audience, signed by the key in cnf.jwk. Freshness is opt-in: the nonce
   * is checked only when given, and the KB-JWT's age only with maxAgeSeconds, so a presentation kept
   * in a case file still verifies later: the acceptable iat window is the verifier's to set (RFC 9901
   * §7.3), and a signed record of a past release has no transaction to be fresh for.
   */
  keyBinding?: { aud: string; nonce?: string; now: Date; maxAgeSeconds?: number }
}

export interface VerifiedSdJwt {
  header: jose.ProtectedHeaderParameters
  payload: jose.JWTPayload
  claims: Record<string, unknown>
  disclosures: Disclosure[]
  kb: { iat: number; aud: string; nonce: string; claims: Record<string, unknown> } | null
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

/** The registered time claims, as RFC 7519 defines them, when present. */
function checkTimes(payload: Record<string, unknown>, now: Date, what: string): void {
  const t = now.getTime() / 1000
  for (const c of ['iat', 'exp', 'nbf'] as const)
    if (c in payload && !isNum(payload[c])) throw errors.invalidClaims(`${what}: ${c} must be a number`)
  if (isNum(payload.exp) && payload.exp <= t - CLOCK_TOLERANCE_S) throw errors.tokenExpired(what)
  if (isNum(payload.nbf) && payload.nbf > t + CLOCK_TOLERANCE_S) throw errors.tokenNotYetValid(what)
}

function decoded(compact: string, what: string): DecodedJws {
  const jws = decodeJws(compact)
  if (!jws) throw errors.sdJwtMalformed(`the ${what} is not a compact JWS`)
  return jws
}

function verified(jws: DecodedJws, key: KeyObject, alg: SigningAlg, typ: string): DecodedJws {
  if (jws.header.alg !== alg) throw errors.algorithmNotAllowed(String(jws.header.alg))
  if (jws.header.typ !== typ) throw errors.wrongType(typ)
  if (!verifyJws(jws, key, alg)) throw errors.badSignature()
  return jws
}

export async function verifySdJwt(compact: string, o: VerifyOptions): Promise<VerifiedSdJwt> {
  const parts = splitSdJwt(compact)
  const unverified = decoded(parts.issuerJwt, 'issuer-signed JWT')
  const header = unverified.header as jose.ProtectedHeaderParameters
  if (header.typ !== o.typ) throw errors.wrongType(o.typ)
  const { key, alg } = await o.issuerKey(header, unverified.payload)
  const payload = verified(unverified, toKeyObject(key), alg, o.typ).payload as jose.JWTPayload
  checkTimes(payload, o.now ?? new Date(), 'issuer-signed JWT')
  const { claims, disclosures } = unpack(payload as Record<string, unknown>, parts.disclosures)
  if (!o.keyBinding) {
    if (parts.kbJwt) throw errors.sdJwtMalformed('unexpected key-binding JWT')
    return { header, payload, claims, disclosures, kb: null }
  }
  if (!parts.kbJwt) throw errors.sdJwtMalformed('a key-binding JWT is required')
  const cnf = (payload.cnf as { jwk?: jose.JWK } | undefined)?.jwk
  if (!cnf) throw errors.sdJwtMalformed('the issuer-signed JWT names no holder key (cnf.jwk)')
  const kbAlg = cnf.kty === 'OKP' ? 'EdDSA' : 'ES256'
  let holder: KeyObject
  try {
    holder = toKeyObject(cnf)
  } catch {
    throw errors.invalidHolderKey()
  }
  const kb = verified(decoded(parts.kbJwt, 'key-binding JWT'), holder, kbAlg, JWT_TYP.keyBinding).payload
  for (const c of ['iat', 'aud', 'nonce', 'sd_hash'] as const) if (!(c in kb)) throw errors.invalidClaims(`key-binding JWT: missing ${c}`)
  checkTimes(kb, o.keyBinding.now, 'key-binding JWT')
  const aud = kb.aud
  if (!(aud === o.keyBinding.aud || (Array.isArray(aud) && aud.includes(o.keyBinding.aud)))) throw errors.wrongAudience()
  const age = o.keyBinding.now.getTime() / 1000 - (kb.iat as number)
  if (o.keyBinding.maxAgeSeconds !== undefined && age > o.keyBinding.maxAgeSeconds + CLOCK_TOLERANCE_S)
    throw errors.tokenExpired('key-binding JWT')
  if (age < -CLOCK_TOLERANCE_S) throw errors.tokenNotYetValid('key-binding JWT')
  if (kb.sd_hash !== sdHash(parts.issuerJwt, parts.disclosures))
    throw errors.tamperedDisclosure('sd_hash does not match the presented disclosures')
  if (o.keyBinding.nonce !== undefined && kb.nonce !== o.keyBinding.nonce)
    throw errors.invalidClaims('key-binding JWT nonce does not match')
  return { header, payload, claims, disclosures, kb: { iat: kb.iat as number, aud: o.keyBinding.aud, nonce: String(kb.nonce), claims: kb } }
}
