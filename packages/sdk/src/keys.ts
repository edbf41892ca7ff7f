// A member's signing keys as JWK files: generate a P-256 pair whose kid is its RFC 7638 thumbprint
// (what the gateway requires), write the private half readable by its owner only, load it back.
import { generateKeyPairSync, type KeyObject, createPrivateKey } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { errors } from './errors.js'

export interface MemberKeyPair {
  /** RFC 7638 SHA-256 thumbprint of the public key. */
  kid: string
  /** Private JWK (kty EC, crv P-256, x, y, d, kid, alg ES256): keep it secret. */
  privateJwk: JWK
  /** Public JWK to register with the gateway (no `d`). */
  publicJwk: JWK
}

/** A fresh ES256 (P-256) key pair for a member, with its thumbprint kid. */
export async function generateMemberKey(): Promise<MemberKeyPair> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const jwk = privateKey.export({ format: 'jwk' }) as JWK
  const publicJwk: JWK = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256')
  return { kid, privateJwk: { ...jwk, kid, alg: 'ES256' }, publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' } }
}

/** Writes `<name>.private.jwk.json` (mode 0600, refused if it exists) and `<name>.public.jwk.json` into `dir`. */
export function writeMemberKey(dir: string, name: string, key: MemberKeyPair): { privateFile: string; publicFile: string } {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  const privateFile = path.join(dir, `${name}.private.jwk.json`)
  const publicFile = path.join(dir, `${name}.public.jwk.json`)
  fs.writeFileSync(privateFile, `${JSON.stringify(key.privateJwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
  fs.writeFileSync(publicFile, `${JSON.stringify(key.publicJwk, null, 2)}\n`, { flag: 'wx' })
  return { privateFile, publicFile }
}

/**
 * A private P-256 JWK from `file`, checked: its kid must be its thumbprint and the file must not be
 * readable by group or others (a leaked signing key lets anyone publish as the member).
 */
export async function loadMemberKey(file: string): Promise<{ kid: string; key: KeyObject; publicJwk: JWK }> {
  if ((fs.statSync(file).mode & 0o077) !== 0) throw errors.invalidKey(`${file} must not be readable by group or others (chmod 600)`)
  const jwk = JSON.parse(fs.readFileSync(file, 'utf8')) as JWK
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') throw errors.invalidKey(`${file} is not a private P-256 JWK`)
  const publicJwk: JWK = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256')
  if (jwk.kid !== undefined && jwk.kid !== kid) throw errors.invalidKey(`${file}: kid must be the key's RFC 7638 thumbprint (${kid})`)
  return {
    kid,
    key: createPrivateKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }),
    publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' },
  }
}
