// A StoredRecord built as publishing builds one (records/stored-record.ts, as verifyForPublish uses it):
// issued with the SDK, verified and unpacked, each disclosure tagged with its body field, policy label
// and the field's own marking. For unit tests of what leaves the gateway, without a database.
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import type { JWK } from 'jose'
import type { GatewayKey } from '../../src/auth/gateway-keys.js'
import { parseRecordClaims } from '../../src/records/envelope.js'
import { RECORD_TYP, type RecordInput } from '@icacn/sdk'
import type { StoredRecord } from '../../src/records/record.repository.js'
import { loadRecordTypes } from '../../src/records/record-types.js'
import { verifySdJwt } from '@icacn/sdk/sd-jwt'
import { issueRecord } from '@icacn/sdk'
import { storedRecordOf } from '../../src/records/stored-record.js'

const types = loadRecordTypes()
const MEMBERS = new Set(['KR', 'TH', 'LA', 'VN', 'KH', 'PH'])

/** A fresh P-256 key in the gateway's shape (a key-binding key). */
export function gatewayKey(kid: string): GatewayKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const jwk = publicKey.export({ format: 'jwk' }) as JWK
  return {
    kid,
    alg: 'ES256',
    privateKey,
    publicKey,
    publicJwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid, alg: 'ES256', use: 'sig' },
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  }
}

/** A member's signing key: what issues the record and what verifies its signature. */
export interface IssuerKey {
  kid: string
  privateKey: KeyObject
  publicKey: KeyObject
}

export function issuerKey(kid: string): IssuerKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return { kid, privateKey, publicKey }
}

/** Issues `r` as its originator with `issuer`, bound to `holder`, and builds the row the gateway stores. */
export async function storedRecord(
  r: RecordInput,
  issuer: IssuerKey,
  holder: GatewayKey,
  receivedAt: Date,
): Promise<{ sdJwt: string; stored: StoredRecord }> {
  const sdJwt = await issueRecord(r, { key: issuer.privateKey, kid: issuer.kid, alg: 'ES256' }, { holderJwk: holder.publicJwk, types })
  const verified = await verifySdJwt(sdJwt, {
    typ: RECORD_TYP,
    issuerKey: async () => ({ key: issuer.publicKey, alg: 'ES256' }),
    now: receivedAt,
  })
  const { envelope, fields } = parseRecordClaims(verified.claims, MEMBERS, types)
  const stored = storedRecordOf({ sdJwt, verified, envelope, fields, holderKid: holder.kid, receivedAt, types })
  return { sdJwt, stored }
}
