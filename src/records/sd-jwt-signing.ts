// Signing and verifying SD-JWTs (RFC 9901): the issuer-signed JWT, the key-binding JWT that binds a
// presentation to its audience (§4.3), and verification of a whole presentation (§7).
import { randomBytes } from 'node:crypto'
import * as jose from 'jose'
import { JWT_TYP } from '../auth/jwt-types.js'
import { mapJoseError } from '../auth/member-jwt.js'
import { errors } from '../errors.js'
import { type Disclosure, joinSdJwt, pack, type Random, SD_ALG, type SdFrame, sdHash, splitSdJwt, unpack } from './sd-jwt.js'

export type SigningAlg = 'ES256' | 'EdDSA'

export interface Signer {
  key: jose.CryptoKey | jose.KeyObject
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
  const issuerJwt = await new jose.CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: i.signer.alg, typ: i.typ, kid: i.signer.kid })
    .sign(i.signer.key)
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
}

/** Appends a KB-JWT (typ kb+jwt) over exactly the disclosures presented: a signed record of what went to whom. */
export async function bindPresentation(i: KeyBindingInput): Promise<string> {
  const kb = await new jose.SignJWT({ iat: i.iat, aud: i.aud, nonce: i.nonce, sd_hash: sdHash(i.issuerJwt, i.disclosures) })
    .setProtectedHeader({ alg: i.signer.alg, typ: JWT_TYP.keyBinding, kid: i.signer.kid })
    .sign(i.signer.key)
  return joinSdJwt(i.issuerJwt, i.disclosures) + kb
}

export interface VerifyOptions {
  typ: string
  /** Chooses the issuer's key from the unverified header and payload (e.g. by iss and kid). */
  issuerKey(header: jose.ProtectedHeaderParameters, payload: jose.JWTPayload): Promise<{ key: jose.CryptoKey | jose.KeyObject | jose.JWK; alg: SigningAlg }>
  /** Require a KB-JWT for this audience (and nonce, when given), signed by the key in cnf.jwk. */
  keyBinding?: { aud: string; nonce?: string; now: Date; maxAgeSeconds: number }
}

export interface VerifiedSdJwt {
  header: jose.ProtectedHeaderParameters
  payload: jose.JWTPayload
  claims: Record<string, unknown>
  disclosures: Disclosure[]
  kb: { iat: number; aud: string; nonce: string } | null
}

export async function verifySdJwt(compact: string, o: VerifyOptions): Promise<VerifiedSdJwt> {
  const parts = splitSdJwt(compact)
  let header: jose.ProtectedHeaderParameters
  let unverified: jose.JWTPayload
  try {
    header = jose.decodeProtectedHeader(parts.issuerJwt)
    unverified = jose.decodeJwt(parts.issuerJwt)
  } catch {
    throw errors.sdJwtMalformed('the issuer-signed JWT is not a compact JWS')
  }
  if (header.typ !== o.typ) throw errors.wrongType(o.typ)
  const { key, alg } = await o.issuerKey(header, unverified)
  let payload: jose.JWTPayload
  try {
    const k = 'kty' in key ? await jose.importJWK(key as jose.JWK, alg) : key
    ;({ payload } = await jose.jwtVerify(parts.issuerJwt, k, { algorithms: [alg], typ: o.typ }))
  } catch (e) {
    throw mapJoseError(e, 'issuer-signed JWT')
  }
  const { claims, disclosures } = unpack(payload as Record<string, unknown>, parts.disclosures)
  if (!o.keyBinding) {
    if (parts.kbJwt) throw errors.sdJwtMalformed('unexpected key-binding JWT')
    return { header, payload, claims, disclosures, kb: null }
  }
  if (!parts.kbJwt) throw errors.sdJwtMalformed('a key-binding JWT is required')
  const cnf = (payload.cnf as { jwk?: jose.JWK } | undefined)?.jwk
  if (!cnf) throw errors.sdJwtMalformed('the issuer-signed JWT names no holder key (cnf.jwk)')
  const kbAlg = cnf.kty === 'OKP' ? 'EdDSA' : 'ES256'
  let kb: jose.JWTPayload
  try {
    ;({ payload: kb } = await jose.jwtVerify(parts.kbJwt, await jose.importJWK(cnf, kbAlg), {
      algorithms: [kbAlg],
      typ: JWT_TYP.keyBinding,
      audience: o.keyBinding.aud,
      currentDate: o.keyBinding.now,
      maxTokenAge: o.keyBinding.maxAgeSeconds,
      requiredClaims: ['iat', 'aud', 'nonce', 'sd_hash'],
    }))
  } catch (e) {
    throw mapJoseError(e, 'key-binding JWT')
  }
  if (kb.sd_hash !== sdHash(parts.issuerJwt, parts.disclosures)) throw errors.tamperedDisclosure('sd_hash does not match the presented disclosures')
  if (o.keyBinding.nonce !== undefined && kb.nonce !== o.keyBinding.nonce) throw errors.invalidClaims('key-binding nonce does not match')
  return { header, payload, claims, disclosures, kb: { iat: kb.iat as number, aud: o.keyBinding.aud, nonce: String(kb.nonce) } }
}
