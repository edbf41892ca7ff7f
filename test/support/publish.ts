// Publishing invented records in integration tests: a person record with sensible defaults, signed
// by the member's dev key as an SD-JWT bound to the gateway's key, posted as that member.
import type { LightMyRequestResponse } from 'fastify'
import type { CryptoKey } from 'jose'
import { loadRecordTypes } from '../../src/records/record-types.js'
import { uuidv7 } from '@icacn/sdk'
import type { RecordInput } from '@icacn/sdk'
import { issueRecord, signRecordWithdrawal } from '@icacn/sdk'
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

/** A withdrawal request (typ record-withdrawal+jwt) signed with `key`, naming `record`: the SDK's own. */
export const withdrawal = (member: string, record: string, key: { kid: string; key: CryptoKey }, reason = 'source retracted the report') =>
  signRecordWithdrawal({ member, kid: key.kid, key: key.key, audience: ISSUER, record, reason })

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
