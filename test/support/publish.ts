// Publishing invented records in integration tests: a person record with sensible defaults, signed
// by the member's dev key as an SD-JWT bound to the gateway's key, posted as that member.
import { randomUUID } from 'node:crypto'
import type { LightMyRequestResponse } from 'fastify'
import { type CryptoKey, SignJWT } from 'jose'
import { loadRecordTypes } from '../../src/records/record-types.js'
import { uuidv7 } from '@icacn/sdk'
import type { RecordInput } from '@icacn/sdk'
import { issueRecord } from '@icacn/sdk'
import { bearer, ISSUER, type TestGateway } from './app.js'

const types = loadRecordTypes()

/** A person record of `originator` (AMBER to all, B2, published now) with this body. */
export const personRecord = (originator: string, body: Record<string, unknown>, over: Partial<RecordInput> = {}): RecordInput => ({
  id: uuidv7(),
  originator,
  type: 'person',
  version: 1,
  supersedes: null,
  createdAt: new Date().toISOString(),
  retainUntil: null,
  marking: 'AMBER',
  releasableTo: ['ALL'],
  handling: { originatorControl: false },
  grading: 'B2',
  purposeLimits: [],
  body,
  ...over,
})

/** Signs `r` as its originator and publishes it; the caller asserts on the response. */
export async function publishRecord(gw: TestGateway, r: RecordInput): Promise<{ res: LightMyRequestResponse; sdJwt: string }> {
  const { kid, key } = await gw.memberKey(r.originator)
  const sdJwt = await issueRecord(r, { key, kid, alg: 'ES256' }, { holderJwk: gw.app.gatewayKeys.receipt.active.publicJwk, types })
  const res = await gw.app.inject({ method: 'POST', url: '/v1/records', headers: bearer(await gw.token(r.originator)), payload: { sdJwt } })
  return { res, sdJwt }
}

/** A withdrawal request (typ record-withdrawal+jwt) signed with `key`, naming `record`. */
export async function withdrawal(
  member: string,
  record: string,
  key: { kid: string; key: CryptoKey },
  reason = 'source retracted the report',
): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ record, reason })
    .setProtectedHeader({ alg: 'ES256', typ: 'record-withdrawal+jwt', kid: key.kid })
    .setIssuer(member)
    .setSubject(member)
    .setAudience(ISSUER)
    .setIssuedAt(now)
    .setExpirationTime(now + 120)
    .setJti(randomUUID())
    .sign(key.key)
}

/** The originator withdraws its record `r` with a request signed by its dev key; the caller asserts on the response. */
export async function withdrawRecord(gw: TestGateway, r: { originator: string; id: string }): Promise<LightMyRequestResponse> {
  const request = await withdrawal(r.originator, r.id, await gw.memberKey(r.originator))
  return gw.app.inject({
    method: 'POST',
    url: `/v1/records/${r.originator}/${r.id}:withdraw`,
    headers: bearer(await gw.token(r.originator)),
    payload: { request },
  })
}
