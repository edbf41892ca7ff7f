// The gateway's signed receipt to a publisher: which record (digest of the exact bytes) it received,
// and when. Receipt time, not the signer's iat, is what key retirement is judged against.
import { randomUUID } from 'node:crypto'
import { SignJWT } from 'jose'
import type { GatewayKeySet } from '../auth/gateway-keys.js'
import { JWT_TYP } from '../auth/jwt-types.js'

export interface ReceiptInput {
  issuer: string
  originator: string
  recordId: string
  version: number
  sdJwtSha256: string
  receivedAt: Date
}

export async function signReceipt(keys: GatewayKeySet, r: ReceiptInput): Promise<string> {
  return new SignJWT({ record: { id: r.recordId, version: r.version, sd_jwt_sha256: r.sdJwtSha256 }, received_at: r.receivedAt.toISOString() })
    .setProtectedHeader({ alg: 'ES256', typ: JWT_TYP.receipt, kid: keys.active.kid })
    .setIssuer(r.issuer)
    .setSubject(r.originator)
    .setAudience(r.originator)
    .setIssuedAt(Math.floor(r.receivedAt.getTime() / 1000))
    .setJti(randomUUID())
    .sign(keys.active.privateKey)
}
