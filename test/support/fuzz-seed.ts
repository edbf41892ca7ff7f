// The state the API fuzz test (test/integration/fuzz.test.ts) runs against: policies, published records
// of several members, blind matches, an access and a contact request, and the pools of real values
// (ids, codes, kids, signed JWTs, tokens) the arbitraries mix in so generated requests reach the services.
import { randomBytes } from 'node:crypto'
import { sha256 } from '@noble/hashes/sha2'
import { createBase58check } from '@scure/base'
import type { InjectOptions } from 'fastify'
import { loadDefaultPolicy } from '../../src/policy/policy.service.js'
import { loadRecordTypes } from '../../src/records/record-types.js'
import { issueRecord } from '@icacn/sdk'
import { bearer, type TestGateway } from './app.js'
import { personRecord, publishRecord, withdrawal } from './publish.js'

export const MEMBERS = ['KR', 'TH', 'LA', 'VN', 'KH', 'PH']

export interface FuzzState {
  /** Real values by parameter or property name (see fuzz-arbitraries.ts `Pools`). */
  pools: Record<string, unknown[]>
  /** Access tokens by label (`<KR analyst,admin investigation>`): cases name the label, the request carries the token. */
  tokens: Map<string, string>
  /** The published records. */
  refs: Array<{ originator: string; id: string }>
}

const wallet = () => createBase58check(sha256).encode(Uint8Array.from([0x41, ...randomBytes(20)]))

export async function seedFuzzState(gw: TestGateway): Promise<FuzzState> {
  const inject = (o: InjectOptions) => gw.app.inject(o)
  const POLICY = loadDefaultPolicy()
  const tokens = new Map<string, string>()
  for (const m of MEMBERS) {
    for (const [roles, purpose] of [
      [['analyst']],
      [['analyst', 'admin'], 'investigation'],
      [['coordinator'], 'analysis'],
      [['admin']],
    ] as Array<[string[], string?]>) {
      tokens.set(`<${m} ${roles.join(',')}${purpose ? ` ${purpose}` : ''}>`, await gw.token(m, roles, purpose))
    }
  }
  const admin = async (m: string) => bearer(await gw.token(m, ['analyst', 'admin'], 'investigation'))
  // KR withholds role (so there is something to ask for); KH hides its wallets (so TH's wallet matches are blind).
  for (const [m, extra] of [
    ['KR', '@id("kr-role") forbid (principal, action == Icacn::Action::"disclose", resource) when { resource.label == "role" };'],
    [
      'KH',
      '@id("kh-wallets") forbid (principal, action in [Icacn::Action::"disclose", Icacn::Action::"discover"], resource) when { resource.label == "wallet" };',
    ],
  ] as const) {
    const h = await admin(m)
    const v = await inject({ method: 'POST', url: '/v1/policy/versions', headers: h, payload: { text: `${POLICY}\n${extra}\n` } })
    const a = await inject({ method: 'POST', url: `/v1/policy/versions/${v.json().version}/activate`, headers: h })
    if (a.statusCode !== 200) throw new Error(`seed policy refused: ${v.body} ${a.body}`)
  }
  const [w1, w2] = [wallet(), wallet()]
  const published = [
    personRecord('KR', {
      names: [{ native: '박서준', latin: 'PARK Seo-jun', script: 'Hang' }],
      phones: [{ number: '+821055512345', raw: '010-5551-2345' }],
      role: 'courier',
    }),
    personRecord('TH', { names: [{ native: 'สมชาย ใจดี', script: 'Thai' }], wallets: [{ chain: 'tron', address: w1 }] }),
    personRecord('KH', {
      names: [{ native: 'សុខ ដារ៉ា', latin: 'SOK Dara', script: 'Khmr' }],
      wallets: [
        { chain: 'tron', address: w1 },
        { chain: 'tron', address: w2 },
      ],
    }),
    personRecord('TH', { names: [{ native: 'วิไล ศรีสุข', script: 'Thai' }], wallets: [{ chain: 'tron', address: w2 }] }),
    personRecord('LA', {
      names: [{ native: 'ສົມພອນ ແກ້ວມະນີ', latin: 'SOMPHONE Keomany', script: 'Laoo' }],
      phones: [{ number: '020 5512 7384' }],
    }),
    personRecord('VN', { names: [{ native: 'Phạm Văn Đức', latin: 'PHAM Van Duc', script: 'Latn' }], telegramHandles: ['@HaiPhong_Ice'] }),
  ]
  const sdJwts: string[] = []
  const refs: FuzzState['refs'] = []
  for (const r of published) {
    const { res, sdJwt } = await publishRecord(gw, r)
    if (res.statusCode !== 201) throw new Error(`seed publish refused: ${res.body}`)
    sdJwts.push(sdJwt)
    refs.push({ originator: r.originator, id: r.id })
  }
  // Signed but not published: the fuzzer may publish them (as their originator) or send them tampered.
  const types = loadRecordTypes()
  for (const r of [
    personRecord('PH', {
      names: [{ native: 'Jose Ramos Santiago', latin: 'SANTIAGO Jose', script: 'Latn' }],
      phones: [{ number: '0917 482 6630' }],
    }),
    personRecord('VN', { names: [{ native: 'Nguyễn Thị Lan', script: 'Latn' }] }),
  ]) {
    const { kid, key } = await gw.memberKey(r.originator)
    const s = await issueRecord(r, { key, kid, alg: 'ES256' }, { holderJwk: gw.app.gatewayKeys.receipt.active.publicJwk, types })
    sdJwts.push(s, s.slice(0, -1), `${s}~`, s.replace(/\.[^.~]+~/, '.AAAA~'))
  }
  const th = await admin('TH')
  const access = await inject({
    method: 'POST',
    url: `/v1/records/KR/${refs[0]!.id}/access-requests`,
    headers: th,
    payload: { justification: 'ยืนยันบทบาทผู้ขนส่ง', purpose: 'investigation' },
  })
  const matches = ((await inject({ method: 'GET', url: '/v1/matches', headers: th })).json().matches as Array<{ id: string }>).map(
    (m) => m.id,
  )
  const contact = await inject({
    method: 'POST',
    url: `/v1/matches/${matches[0]}/contact-requests`,
    headers: th,
    payload: { message: 'เราติดตามกระเป๋าเงินนี้อยู่ ขอประสานงาน', purpose: 'investigation' },
  })
  if (access.statusCode !== 201 || contact.statusCode !== 201 || matches.length < 2)
    throw new Error(`seed refused: ${access.body} ${contact.body}`)
  const cursor = (await inject({ method: 'GET', url: '/v1/records?first=1', headers: th })).json().pageInfo.endCursor as string
  const kids = (await gw.app.db.selectFrom('member_keys').select('kid').execute()).map((k) => k.kid)
  const ids = refs.map((r) => r.id)
  const requestIds = [access.json().id as string, contact.json().id as string]
  const pools: FuzzState['pools'] = {
    code: [...MEMBERS, 'XX'],
    originator: MEMBERS,
    recipient: MEMBERS,
    recipients: MEMBERS,
    id: [...ids, ...requestIds],
    recordId: ids,
    requestId: requestIds,
    matchId: matches,
    kid: kids,
    version: [1, 2, 3],
    text: [POLICY, 'permit (principal, action, resource);', 'PARK', '박서준', 'somphone'],
    sdJwt: sdJwts,
    selector: ['+821055512345', '010-5551-2345', w1, '@HaiPhong_Ice', 'https://t.me/haiphong_ice'],
    purpose: ['investigation', 'analysis', 'prosecution'],
    justification: ['ຂໍຂໍ້ມູນເພື່ອການສືບສວນ'],
    message: ['ขอประสานงาน'],
    reason: ['ບໍ່ກ່ຽວຂ້ອງ'],
    fields: ['/body/role', '/body/names', '/body/wallets'],
    status: ['pending', 'approved', 'accepted'],
    roles: ['analyst', 'admin', 'analyst,admin'],
    type: ['person', 'organization'],
    grading: ['B2', 'A1'],
    kind: ['phone', 'crypto', 'telegram'],
    after: [cursor, '0', '1'],
    nonce: ['abcdefghijklmnop1234'],
    label: ['phone', 'role', 'wallet'],
    expiresAt: [new Date(Date.now() + 30 * 86_400_000).toISOString()],
    grant_type: ['client_credentials'],
    client_assertion_type: ['urn:ietf:params:oauth:client-assertion-type:jwt-bearer'],
    // Rules no schema says (one of selector and text, one of recordId and record): known-good queries, bodies, inputs.
    'query:searchLeads': [
      [['selector', '+821055512345']],
      [
        ['selector', w1],
        ['kind', 'crypto'],
      ],
      [['text', 'park seo']],
      [
        ['text', '박서준'],
        ['originator', 'KR'],
      ],
      [
        ['selector', '020 5512 7384'],
        ['first', '1'],
      ],
    ],
    LeadFilter: [
      { selector: '+821055512345' },
      { selector: w1, kind: 'crypto' },
      { text: 'PARK' },
      { text: 'ສົມພອນ', type: 'person' },
      { selector: '@HaiPhong_Ice', originator: 'VN' },
    ],
  }
  const draft = {
    type: 'person',
    marking: 'AMBER',
    releasableTo: ['ALL'],
    grading: 'B2',
    purposeLimits: ['investigation'],
    fields: [
      { field: 'phones', label: 'phone' },
      { field: 'role', label: 'role', marking: 'RED', releasableTo: ['TH'] },
    ],
  }
  pools['body:dryRunPolicy'] = pools.DryRunInput = [
    { recordId: ids[0], version: 1 },
    { record: draft, version: 2, recipients: ['TH', 'VN'] },
    { text: POLICY, record: draft, roles: ['analyst'], purpose: 'investigation' },
    { recordId: ids[1], recipients: ['KH'], purpose: null },
  ]
  return { pools, tokens, refs }
}

/** Signed requests expire within minutes: fresh client assertions (one with an unknown role) and withdrawal requests. */
export async function refreshSignedRequests(gw: TestGateway, state: FuzzState): Promise<void> {
  const roles = [['analyst'], ['admin'], ['coordinator', 'analyst'], ['root']]
  state.pools.client_assertion = await Promise.all(
    MEMBERS.slice(0, 4).map((m, i) => gw.assertion(m, { roles: roles[i]!, purpose: 'investigation' })),
  )
  state.pools.request = await Promise.all(
    state.refs.slice(0, 3).map(async (r) => withdrawal(r.originator, r.id, await gw.memberKey(r.originator))),
  )
}
