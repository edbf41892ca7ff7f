// Tor onion-service selectors: v3 addresses only (v2 services were switched off in 2021), with
// the built-in checksum verified so a mistyped address never silently fails to match.
import { sha3_256 } from '@noble/hashes/sha3'
import { base32 } from '@scure/base'
import { requireString } from './selector.input.js'
import { SelectorError, type Selector } from './selector.model.js'

// Optional scheme, optional subdomain labels (served by the same key), optional port and path.
const ONION_URL = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[a-z0-9-]+\.)*([a-z2-7]+)\.onion\.?(?::\d+)?(?:[/?#].*)?$/i
const ONION_HOST = /^(?:[a-z][a-z0-9+.-]*:\/\/)?[^/?#]*\.onion\.?(?::\d+)?(?:[/?#]|$)/i
const CHECKSUM_PREFIX = new TextEncoder().encode('.onion checksum')

/** True when the text names a host under .onion (valid or not), so onion rules apply to it. */
export function looksLikeOnion(text: string): boolean {
  return ONION_HOST.test(text)
}

export function normaliseOnion(raw: unknown): Selector {
  const text = requireString('onion', raw, 'onion address')
  const m = ONION_URL.exec(text)
  if (!m) throw new SelectorError('onion', `not an onion address: "${text}"`)
  const service = (m[1] ?? '').toLowerCase()
  if (service.length === 16) throw new SelectorError('onion', 'v2 onion addresses (16 characters) are retired; only v3 is accepted')
  if (service.length !== 56) {
    throw new SelectorError('onion', `onion v3 address must be 56 base32 characters, got ${service.length}`)
  }
  verifyV3(service)
  return { kind: 'onion', value: `${service}.onion` }
}

/** rend-spec-v3: base32(pubkey(32) | checksum(2) | version(1)), checksum = SHA3-256(".onion checksum" | pubkey | version)[0..2]. */
function verifyV3(service: string): void {
  let bytes: Uint8Array
  try {
    bytes = base32.decode(service.toUpperCase())
  } catch {
    throw new SelectorError('onion', 'onion address is not valid base32')
  }
  const pubkey = bytes.subarray(0, 32)
  const version = bytes[34]
  if (bytes.length !== 35 || version !== 3) throw new SelectorError('onion', 'onion address is not version 3')
  const expected = onionChecksum(pubkey, version)
  if (bytes[32] !== expected[0] || bytes[33] !== expected[1]) {
    throw new SelectorError('onion', 'bad onion address checksum')
  }
}

export function onionChecksum(pubkey: Uint8Array, version: number): Uint8Array {
  const input = new Uint8Array(CHECKSUM_PREFIX.length + pubkey.length + 1)
  input.set(CHECKSUM_PREFIX, 0)
  input.set(pubkey, CHECKSUM_PREFIX.length)
  input[input.length - 1] = version
  return sha3_256(input).subarray(0, 2)
}
