// The gateway's signed receipt to a publisher: which record (digest of the exact bytes) it received,
// and when. Receipt time, not the signer's iat, is what key retirement is judged against; it is
// written exactly as in the KB-JWT of every read (disclosure/present.ts), so the two compare equal.
import { randomUUID } from 'node:crypto'
import type { GatewayKeySet } from '../auth/gateway-keys.js'
import { signJws } from '@icacn/sdk/jws'
import { JWT_TYP } from '@icacn/sdk'

export interface ReceiptInput {
  issuer: string
  originator: string
  recordId: string
  version: number
  sdJwtSha256: string
  receivedAt: Date
}

export function signReceipt(keys: GatewayKeySet, r: ReceiptInput): string {
  const payload = {
    record: { id: r.recordId, version: r.version, sd_jwt_sha256: r.sdJwtSha256 },
    // NumericDate with the millisecond fraction, like a retired key's `exp` in the member JWKS.
    icacn_received_at: r.receivedAt.getTime() / 1000,
    iss: r.issuer,
    sub: r.originator,
    aud: r.originator,
    iat: Math.floor(r.receivedAt.getTime() / 1000),
    jti: randomUUID(),
  }
  return signJws({ alg: 'ES256', typ: JWT_TYP.receipt, kid: keys.active.kid }, payload, keys.active.privateKey)
}
