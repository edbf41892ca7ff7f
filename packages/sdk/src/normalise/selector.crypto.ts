// Wallet selectors: validate the address checksum for its chain, then give one canonical value
// per address. EVM chains share a value on purpose: one key controls the same address on all of them.
import { keccak_256 } from '@noble/hashes/sha3'
import { sha256 } from '@noble/hashes/sha2'
import { bech32, bech32m, createBase58check } from '@scure/base'
import { requireString } from './selector.input.js'
import { SelectorError, type Selector } from './selector.model.js'

export const CHAINS = ['bitcoin', 'ethereum', 'tron', 'bsc', 'polygon'] as const
export type Chain = (typeof CHAINS)[number]
type Family = 'bitcoin' | 'evm' | 'tron'

// Bitcoin and TRON both use base58check with double SHA-256 (applied inside the coder).
const base58check = createBase58check(sha256)
const EVM_HEX = /^0x[0-9a-fA-F]{40}$/
const BASE58 = /^[1-9A-HJ-NP-Za-km-z]+$/

/** The chain family an address looks like, without validating it. */
export function detectChainFamily(address: string): Family | undefined {
  if (/^0x[0-9a-f]{40}$/i.test(address)) return 'evm'
  if (/^T[1-9A-HJ-NP-Za-km-z]{33}$/.test(address)) return 'tron'
  if (/^bc1[02-9ac-hj-np-z]{8,87}$/i.test(address)) return 'bitcoin'
  if (/^[13][1-9A-HJ-NP-Za-km-z]{25,34}$/.test(address)) return 'bitcoin'
  return undefined
}

export function normaliseCrypto(raw: unknown, chain: string | undefined): Selector {
  const address = requireString('crypto', raw, 'crypto address')
  const family = chain === undefined || chain === '' ? detectChainFamily(address) : familyOf(chain)
  if (family === undefined) {
    throw new SelectorError('crypto', `cannot tell which chain "${address}" belongs to; give the chain`)
  }
  const value = family === 'evm' ? evmValue(address) : family === 'tron' ? tronValue(address) : bitcoinValue(address)
  return { kind: 'crypto', value }
}

function familyOf(chain: string): Family {
  const c = chain.trim().toLowerCase()
  if (c === 'bitcoin' || c === 'tron') return c
  if (c === 'ethereum' || c === 'bsc' || c === 'polygon') return 'evm'
  throw new SelectorError('crypto', `unsupported chain "${chain}" (expected one of ${CHAINS.join(', ')})`)
}

function evmValue(address: string): string {
  if (!EVM_HEX.test(address)) throw new SelectorError('crypto', 'EVM address must be 0x followed by 40 hex digits')
  const hex = address.slice(2)
  const lower = hex.toLowerCase()
  // Single-case addresses carry no checksum (EIP-55 is opt-in); mixed case must be exact.
  if (hex !== lower && hex !== hex.toUpperCase() && eip55(lower) !== hex) {
    throw new SelectorError('crypto', 'bad EVM address checksum (EIP-55 mixed case does not match)')
  }
  return `evm:0x${lower}`
}

/** EIP-55: upper-case each hex letter whose nibble in keccak256(lower-case hex text) is >= 8. */
export function eip55(lowerHex: string): string {
  const hash = keccak_256(new TextEncoder().encode(lowerHex))
  let out = ''
  for (let i = 0; i < lowerHex.length; i++) {
    const byte = hash[i >> 1] ?? 0
    const nibble = i % 2 === 0 ? byte >> 4 : byte & 0x0f
    const ch = lowerHex[i] ?? ''
    out += nibble >= 8 ? ch.toUpperCase() : ch
  }
  return out
}

function tronValue(address: string): string {
  const bytes = decodeBase58check(address, 'TRON')
  if (bytes.length !== 21 || bytes[0] !== 0x41) {
    throw new SelectorError('crypto', 'not a TRON address (expected 21 bytes starting 0x41)')
  }
  return `tron:${address}`
}

function bitcoinValue(address: string): string {
  if (/^(?:bc|tb|bcrt)1/i.test(address)) return `btc:${segwitAddress(address)}`
  const bytes = decodeBase58check(address, 'bitcoin')
  // Mainnet only: 0x00 P2PKH, 0x05 P2SH; testnet and other coins' versions are not bitcoin leads.
  if (bytes.length !== 21 || (bytes[0] !== 0x00 && bytes[0] !== 0x05)) {
    throw new SelectorError('crypto', 'not a bitcoin mainnet P2PKH/P2SH address (bad version byte or length)')
  }
  return `btc:${address}`
}

function decodeBase58check(address: string, chainName: string): Uint8Array {
  if (!BASE58.test(address)) throw new SelectorError('crypto', `${chainName} address has characters outside base58`)
  try {
    return base58check.decode(address)
  } catch {
    throw new SelectorError('crypto', `bad ${chainName} address checksum`)
  }
}

/** BIP 173 / BIP 350: v0 uses bech32 with a 20- or 32-byte program, v1+ use bech32m. */
function segwitAddress(address: string): string {
  const lower = address.toLowerCase()
  if (address !== lower && address !== address.toUpperCase()) {
    throw new SelectorError('crypto', 'bech32 address must not mix upper and lower case')
  }
  const asBech32 = bech32.decodeUnsafe(lower, 90)
  const asBech32m = asBech32 ? undefined : bech32m.decodeUnsafe(lower, 90)
  const decoded = asBech32 ?? asBech32m
  if (!decoded) throw new SelectorError('crypto', 'bad bitcoin bech32 address checksum')
  if (decoded.prefix !== 'bc') throw new SelectorError('crypto', `not a bitcoin mainnet address (prefix "${decoded.prefix}")`)
  const [version, ...data] = decoded.words
  if (version === undefined || version > 16) throw new SelectorError('crypto', 'bad segwit witness version')
  if ((version === 0) !== Boolean(asBech32)) {
    throw new SelectorError('crypto', `segwit v${version} address uses the wrong checksum (v0 needs bech32, v1+ bech32m)`)
  }
  const program = bech32.fromWordsUnsafe(data)
  if (!program) throw new SelectorError('crypto', 'bad segwit program padding')
  const okLength = version === 0 ? program.length === 20 || program.length === 32 : program.length >= 2 && program.length <= 40
  if (!okLength) throw new SelectorError('crypto', `bad segwit v${version} program length ${program.length}`)
  return lower
}
