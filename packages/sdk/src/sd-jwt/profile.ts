// The coalition's SD-JWT profile (README "SD-JWT profile"): what a verified record SD-JWT must also
// satisfy beyond RFC 9901 before the gateway stores it. Pure; one AppError lists every breach.
import { errors, type FieldError } from '../errors.js'
import { type Disclosure, SD_ALG } from './sd-jwt.js'

/** 128-bit salts: a short salt lets anyone holding the signed digests guess a withheld value (RFC 9901 §4.2.1). */
export const MIN_SALT_BYTES = 16
/** Each `_sd` holds at least this many digests, in buckets of SD_BUCKET, so a reader cannot count withheld fields (RFC 9901 decoy digests). */
export const MIN_SD_DIGESTS = 8
export const SD_BUCKET = 4

const B64URL = /^[A-Za-z0-9_-]*$/
/** A SHA-256 digest in base64url: 43 characters. A decoy of another shape would stand out from the real digests. */
const DIGEST = /^[A-Za-z0-9_-]{43}$/

/** Bytes a base64url salt decodes to, or null if it is not base64url (RFC 4648 §5, unpadded). */
export function saltBytes(salt: string): number | null {
  if (!B64URL.test(salt) || salt.length % 4 === 1) return null
  return Buffer.from(salt, 'base64url').length
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

/** Every `_sd` array and `...` reference under `node` (the issuer payload, or a disclosed value). */
function checkDigests(node: unknown, path: string, out: FieldError[]): void {
  if (Array.isArray(node)) {
    node.forEach((el, i) => {
      if (isObject(el) && '...' in el && !DIGEST.test(String(el['...'])))
        out.push({ pointer: `${path}/${i}/...`, detail: 'is not a SHA-256 digest (43 base64url characters)' })
      checkDigests(el, `${path}/${i}`, out)
    })
    return
  }
  if (!isObject(node)) return
  for (const [k, v] of Object.entries(node)) if (k !== '_sd') checkDigests(v, `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, out)
  const sd = node._sd
  if (!Array.isArray(sd)) return
  if (sd.length < MIN_SD_DIGESTS || sd.length % SD_BUCKET !== 0) {
    out.push({
      pointer: `${path}/_sd`,
      detail: `holds ${sd.length} digests; pad with decoys to at least ${MIN_SD_DIGESTS} and a multiple of ${SD_BUCKET}`,
    })
  }
  sd.forEach((d, i) => {
    if (!DIGEST.test(String(d))) out.push({ pointer: `${path}/_sd/${i}`, detail: 'is not a SHA-256 digest (43 base64url characters)' })
  })
}

/**
 * Throws SD_JWT_PROFILE unless the verified issuer payload declares `_sd_alg` sha-256, every `_sd`
 * (in the payload and inside disclosed values) is padded with well-formed decoys to a bucket, and
 * every disclosure, object property or array element, has a salt of at least 128 bits. Pointers
 * name claims in the issuer's payload; a disclosure's salt is reported at the claim it discloses.
 */
export function assertSdJwtProfile(v: {
  payload: Record<string, unknown>
  disclosures: readonly Pick<Disclosure, 'path' | 'encoded' | 'value'>[]
}): void {
  const out: FieldError[] = []
  if (v.payload._sd_alg !== SD_ALG)
    out.push({ pointer: '/_sd_alg', detail: v.payload._sd_alg === undefined ? `is required ("${SD_ALG}")` : `must be "${SD_ALG}"` })
  checkDigests(v.payload, '', out)
  for (const d of v.disclosures) {
    const salt = (JSON.parse(Buffer.from(d.encoded, 'base64url').toString('utf8')) as unknown[])[0]
    const bytes = typeof salt === 'string' ? saltBytes(salt) : null
    if (bytes === null) out.push({ pointer: d.path, detail: 'the salt of this disclosure is not base64url' })
    else if (bytes < MIN_SALT_BYTES)
      out.push({ pointer: d.path, detail: `the salt of this disclosure is ${bytes} bytes; at least ${MIN_SALT_BYTES} (128 bits)` })
    checkDigests(d.value, d.path, out)
  }
  if (out.length)
    throw errors.sdJwtProfile(`the SD-JWT breaks the coalition profile in ${out.length} place${out.length === 1 ? '' : 's'}`, out)
}
