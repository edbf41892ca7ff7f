// UUIDv7 record ids (RFC 9562 §5.7): a millisecond timestamp then random bits, so ids sort by creation.
import { randomBytes } from 'node:crypto'

export function uuidv7(now: Date = new Date()): string {
  const b = randomBytes(16)
  const ms = BigInt(now.getTime())
  for (let i = 0; i < 6; i++) b[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn)
  b[6] = (b[6]! & 0x0f) | 0x70
  b[8] = (b[8]! & 0x3f) | 0x80
  const h = b.toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}
