// Bench fixtures: pre-signed KR person records (signed before any load runs, so the load generator
// spends no cores on signing) and access tokens for a member, fetched from the running gateway.
import { KR_PERSON_PASSPORT, krPersonRecord } from '../test/fixtures/kr-person.js'
import { activeKeyBindingKey } from '../src/auth/gateway-keys.js'
import type { JWK } from 'jose'
import { loadDevMemberKey } from '../src/members/dev-keys.js'
import { uuidv7 } from '@icacn/sdk'
import type { RecordInput } from '@icacn/sdk'
import { loadRecordTypes } from '../src/records/record-types.js'
import { signClientAssertion } from '@icacn/sdk'
import { issueRecord } from '@icacn/sdk'

export const PASSPORT = KR_PERSON_PASSPORT
export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

/** KR's person record with its own id; the passport is withheld from all but VN. */
export const person = (id: string): RecordInput => krPersonRecord({ id })

/** Signs `n` person records as KR, each with its own uuidv7 id, bound to the gateway's key-binding key. */
export async function presignRecords(base: string, dataDir: string, n: number): Promise<{ ids: string[]; sdJwts: string[] }> {
  const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: JWK[] }
  const holderJwk = activeKeyBindingKey(jwks)
  if (!holderJwk) throw new Error('gateway JWKS names no key-binding key')
  const { kid, key } = await loadDevMemberKey(dataDir, 'KR')
  const types = loadRecordTypes()
  const ids = Array.from({ length: n }, () => uuidv7())
  const sdJwts: string[] = new Array(n)
  const BATCH = 256 // lets WebCrypto's async signing overlap without queueing all n at once
  for (let i = 0; i < n; i += BATCH) {
    const slice = ids.slice(i, i + BATCH)
    const signed = await Promise.all(slice.map((id) => issueRecord(person(id), { key, kid, alg: 'ES256' }, { holderJwk, types })))
    signed.forEach((s, j) => (sdJwts[i + j] = s))
  }
  return { ids, sdJwts }
}

/** A client assertion for `member` (role analyst unless `roles` says otherwise), signed with its development key. */
export async function assertionSigner(
  base: string,
  dataDir: string,
  member: string,
  purpose?: string,
  roles: string[] = ['analyst'],
): Promise<() => Promise<string>> {
  const { kid, key } = await loadDevMemberKey(dataDir, member)
  return () =>
    signClientAssertion({
      member,
      kid,
      key,
      audience: base,
      actor: 'bench',
      roles,
      lifetimeSeconds: 300,
      ...(purpose ? { purpose } : {}),
    })
}

/** The bench records are limited to investigation (purposeLimits), so readers declare it. */
export async function accessToken(base: string, dataDir: string, member: string, purpose?: string, roles?: string[]): Promise<string> {
  const sign = await assertionSigner(base, dataDir, member, purpose, roles)
  const res = await fetch(`${base}/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await sign() }),
  })
  if (!res.ok) throw new Error(`token for ${member}: HTTP ${res.status} ${await res.text()}`)
  return ((await res.json()) as { access_token: string }).access_token
}

/** Publishes one KR person record as KR (the record the read and lead scenarios work on); returns its id. */
export async function publishOneRecord(base: string, dataDir: string): Promise<string> {
  const { ids, sdJwts } = await presignRecords(base, dataDir, 1)
  const kr = await accessToken(base, dataDir, 'KR')
  const published = await fetch(`${base}/v1/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${kr}` },
    body: JSON.stringify({ sdJwt: sdJwts[0] }),
  })
  if (published.status !== 201) throw new Error(`publish: HTTP ${published.status} ${await published.text()}`)
  return ids[0]!
}
