// Event feed cursors: a position (txid, seq) sealed with the gateway secret and bound to the member.
// Positions are global counters; in clear they would show how much the other members are told. A
// new seal every time also means a cursor never shows whether anything was skipped for the reader.
import type { GatewaySecret } from '../auth/gateway-secret.js'
import { errors } from '../errors.js'
import type { FeedPosition } from './event.repository.js'

const DIGITS = /^[0-9]{1,20}$/
const MAX = 18_446_744_073_709_551_615n // xid8 and a bigint seq both fit below 2^64

export function sealCursor(secret: GatewaySecret, member: string, at: FeedPosition | null): string {
  return secret.seal('event-cursor', JSON.stringify(at ? [member, at.txid, at.seq] : [member]))
}

/** The position a cursor names, or a validation error for anything this gateway did not give `member`. */
export function openCursor(secret: GatewaySecret, member: string, cursor: string | null | undefined): FeedPosition | null {
  if (cursor === null || cursor === undefined) return null
  const bad = () =>
    errors.validation('after is not a cursor this gateway gave the caller', [{ pointer: '/after', detail: 'invalid cursor' }])
  const plain = secret.open('event-cursor', cursor)
  if (plain === null) throw bad()
  let parsed: unknown
  try {
    parsed = JSON.parse(plain)
  } catch {
    throw bad()
  }
  if (!Array.isArray(parsed) || parsed[0] !== member) throw bad()
  if (parsed.length === 1) return null
  const [, txid, seq] = parsed as unknown[]
  if (parsed.length !== 3 || typeof txid !== 'string' || typeof seq !== 'string') throw bad()
  if (!DIGITS.test(txid) || !DIGITS.test(seq) || BigInt(txid) > MAX || BigInt(seq) > MAX) throw bad()
  return { txid, seq }
}
