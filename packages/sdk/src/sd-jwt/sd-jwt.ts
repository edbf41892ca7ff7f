// Pure SD-JWT mechanics (RFC 9901): disclosures and their digests, packing a payload with decoys,
// unpacking with every check of §7.1, choosing which disclosures to present, and sd_hash. No
// signatures here (see sd-jwt-signing.ts); randomness is injectable so tests are exact.
import { createHash, randomBytes } from 'node:crypto'
import { errors } from '../errors.js'

export const SD_ALG = 'sha-256'
const RESERVED = new Set(['_sd', '...', '_sd_alg'])

export type Random = (bytes: number) => Buffer
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url')

/** Digest of a disclosure: base64url(SHA-256(ASCII of its base64url encoding)) (RFC 9901 §4.2.3). */
export const digestOf = (encoded: string): string => b64(createHash('sha256').update(encoded, 'ascii').digest())

export interface Disclosure {
  /** JSON pointer of the claim in the issuer's payload; array elements keep their signed index. */
  path: string
  encoded: string
  digest: string
  name?: string
  value: unknown
}

/** Which nodes become disclosures: `sd` on a node makes it one in its parent. */
export interface SdFrame {
  sd?: boolean
  props?: Record<string, SdFrame>
  items?: SdFrame
}

const pointer = (path: string, key: string | number) => `${path}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`

function disclose(random: Random, path: string, value: unknown, name?: string): Disclosure {
  const salt = b64(random(16)) // 128-bit salt (RFC 9901 §4.2.1)
  const encoded = b64(JSON.stringify(name === undefined ? [salt, value] : [salt, name, value]))
  return { path, encoded, digest: digestOf(encoded), value, ...(name === undefined ? {} : { name }) }
}

/** Real digests padded with decoys to a bucket of 4 (at least 8), so an object's field count is hidden. */
export function decoyCount(real: number, random: Random): number {
  const jitter = random(1)[0]! % 4
  return Math.max(8, Math.ceil((real + 1 + jitter) / 4) * 4) - real
}

export function pack(
  value: unknown,
  frame: SdFrame | undefined,
  random: Random = randomBytes,
  path = '',
): { packed: unknown; disclosures: Disclosure[] } {
  const disclosures: Disclosure[] = []
  const node = (v: unknown, f: SdFrame | undefined, p: string): unknown => {
    if (Array.isArray(v)) {
      return v.map((el, i) => {
        const child = node(el, f?.items, pointer(p, i))
        if (!f?.items?.sd) return child
        const d = disclose(random, pointer(p, i), child)
        disclosures.push(d)
        return { '...': d.digest }
      })
    }
    if (v === null || typeof v !== 'object') return v
    const out: Record<string, unknown> = {}
    const sd: string[] = []
    for (const [k, val] of Object.entries(v)) {
      if (RESERVED.has(k)) throw errors.sdJwtMalformed(`claim name "${k}" is reserved`)
      const cf = f?.props?.[k]
      const child = node(val, cf, pointer(p, k))
      if (cf?.sd) {
        const d = disclose(random, pointer(p, k), child, k)
        disclosures.push(d)
        sd.push(d.digest)
      } else out[k] = child
    }
    if (sd.length > 0) {
      for (let i = decoyCount(sd.length, random); i > 0; i--) sd.push(digestOf(b64(random(32))))
      out._sd = sd.sort()
    }
    return out
  }
  return { packed: node(value, frame, path), disclosures }
}

function parseDisclosure(encoded: string): { name?: string; value: unknown } {
  let arr: unknown
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(encoded)) throw new Error('not base64url')
    arr = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'))
  } catch {
    throw errors.tamperedDisclosure('a disclosure is not base64url-encoded JSON')
  }
  if (!Array.isArray(arr) || (arr.length !== 2 && arr.length !== 3) || typeof arr[0] !== 'string') {
    throw errors.tamperedDisclosure('a disclosure must be [salt, value] or [salt, name, value]')
  }
  if (arr.length === 2) return { value: arr[1] }
  if (typeof arr[1] !== 'string' || RESERVED.has(arr[1]))
    throw errors.tamperedDisclosure(`disclosure name ${JSON.stringify(arr[1])} is not allowed`)
  return { name: arr[1], value: arr[2] }
}

/**
 * Rebuilds the claims from the issuer payload and the disclosures presented (RFC 9901 §7.1): every
 * disclosure must be referenced exactly once, no digest may occur twice, a disclosed name may not
 * collide with a clear claim, and the kind of disclosure must match where it is referenced.
 */
export function unpack(
  payload: Record<string, unknown>,
  encodedDisclosures: readonly string[],
): { claims: Record<string, unknown>; disclosures: Disclosure[] } {
  if (payload._sd_alg !== undefined && payload._sd_alg !== SD_ALG) throw errors.sdJwtMalformed(`_sd_alg must be ${SD_ALG}`)
  const byDigest = new Map<string, { encoded: string; name?: string; value: unknown }>()
  for (const encoded of encodedDisclosures) {
    const digest = digestOf(encoded)
    if (byDigest.has(digest)) throw errors.duplicateDigest('the same disclosure is presented twice')
    byDigest.set(digest, { encoded, ...parseDisclosure(encoded) })
  }
  const seen = new Set<string>()
  const revealed: Disclosure[] = []
  const take = (digest: unknown, where: string) => {
    if (typeof digest !== 'string') throw errors.sdJwtMalformed(`a digest at ${where || '/'} is not a string`)
    if (seen.has(digest)) throw errors.duplicateDigest(`digest ${digest} occurs more than once`)
    seen.add(digest)
    return byDigest.get(digest)
  }
  const walk = (node: unknown, path: string): unknown => {
    if (Array.isArray(node)) {
      const out: unknown[] = []
      node.forEach((el, i) => {
        const ref = el !== null && typeof el === 'object' && !Array.isArray(el) && '...' in el ? (el as Record<string, unknown>) : undefined
        if (!ref) return void out.push(walk(el, pointer(path, i)))
        if (Object.keys(ref).length !== 1) throw errors.sdJwtMalformed(`array element reference at ${pointer(path, i)} has extra members`)
        const d = take(ref['...'], pointer(path, i))
        if (!d) return
        if (d.name !== undefined)
          throw errors.tamperedDisclosure(`an object-property disclosure is referenced as an array element at ${pointer(path, i)}`)
        revealed.push({ path: pointer(path, i), encoded: d.encoded, digest: digestOf(d.encoded), value: d.value })
        out.push(walk(d.value, pointer(path, i)))
      })
      return out
    }
    if (node === null || typeof node !== 'object') return node
    const obj = node as Record<string, unknown>
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(obj)) if (k !== '_sd' && !(k === '_sd_alg' && path === '')) out[k] = walk(v, pointer(path, k))
    if (obj._sd === undefined) return out
    if (!Array.isArray(obj._sd)) throw errors.sdJwtMalformed(`_sd at ${path || '/'} must be an array`)
    for (const digest of obj._sd) {
      const d = take(digest, path)
      if (!d) continue
      if (d.name === undefined) throw errors.tamperedDisclosure(`an array-element disclosure is referenced as a property at ${path || '/'}`)
      if (d.name in out) throw errors.disclosureNameCollision(d.name, path)
      revealed.push({ path: pointer(path, d.name), encoded: d.encoded, digest: digestOf(d.encoded), name: d.name, value: d.value })
      out[d.name] = walk(d.value, pointer(path, d.name))
    }
    return out
  }
  const claims = walk(payload, '') as Record<string, unknown>
  if (revealed.length !== byDigest.size) throw errors.tamperedDisclosure('a disclosure matches no digest in the issuer-signed JWT')
  return { claims, disclosures: revealed }
}

/** Keeps the disclosures `keep` allows, dropping any whose enclosing disclosure is dropped (else it would be unreferenced). */
export function selectDisclosures(all: readonly Disclosure[], keep: (path: string) => boolean): Disclosure[] {
  const paths = new Set(all.map((d) => d.path))
  const kept = new Set(all.filter((d) => keep(d.path)).map((d) => d.path))
  const ancestorsKept = (p: string) => [...paths].every((q) => q === p || !p.startsWith(`${q}/`) || kept.has(q))
  return all.filter((d) => kept.has(d.path) && ancestorsKept(d.path))
}

export interface SdJwtParts {
  issuerJwt: string
  disclosures: string[]
  kbJwt: string | null
}

export function splitSdJwt(compact: string): SdJwtParts {
  const parts = compact.split('~')
  if (parts.length < 2 || !parts[0]) throw errors.sdJwtMalformed('an SD-JWT is <issuer JWT>~<disclosure>~…~[<KB-JWT>]')
  const kb = parts[parts.length - 1]!
  const disclosures = parts.slice(1, -1)
  if (disclosures.some((d) => d === '')) throw errors.sdJwtMalformed('empty disclosure between separators')
  return { issuerJwt: parts[0], disclosures, kbJwt: kb === '' ? null : kb }
}

/** The SD-JWT without key binding: always ends with `~` (RFC 9901 §4). */
export const joinSdJwt = (issuerJwt: string, disclosures: readonly string[]): string => [issuerJwt, ...disclosures].join('~') + '~'

/** sd_hash of a KB-JWT: the digest of the SD-JWT it binds, up to and including the last `~` (RFC 9901 §4.3.1). */
export const sdHash = (issuerJwt: string, disclosures: readonly string[]): string => digestOf(joinSdJwt(issuerJwt, disclosures))
