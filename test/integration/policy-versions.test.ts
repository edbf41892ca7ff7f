// Release policy versions: every member starts from the default (version 1, active); a proposal is
// validated and stored as the next inactive version; activation switches the one active version;
// every step is audited, and a refused proposal stores nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../../src/errors.js'
import { findActivePolicy, listPolicyVersions } from '../../src/policy/policy.repository.js'
import { activatePolicy, DEFAULT_POLICY_AUTHOR, loadDefaultPolicy, proposePolicy } from '../../src/policy/policy.service.js'
import { startGateway, type TestGateway } from '../support/app.js'
import type { Principal } from '../../src/auth/principal.js'

let gw: TestGateway
const MEMBERS = new Set(['KR', 'TH', 'LA', 'VN', 'KH', 'PH'])
/** A member admin as the token would carry it (services check the role themselves). */
const admin = (member: string): Principal => ({
  member,
  actor: 'policy.desk',
  roles: ['admin'],
  purpose: null,
  tokenId: 'test',
  keyId: 'test',
  expiresAt: new Date(Date.now() + 600_000),
})
const deps = () => ({ memberCodes: MEMBERS, now: new Date() })
const audited = async (member: string, action: string) =>
  gw.app.db
    .selectFrom('audit_log')
    .select('details')
    .where('subject', '=', `policy:${member}`)
    .where('action', '=', action)
    .orderBy('id')
    .execute()

beforeAll(async () => {
  gw = await startGateway()
})
afterAll(async () => gw?.close())

const NARROWER = `@id("kr-analysts-no-telegram")
permit (principal, action == Icacn::Action::"disclose", resource)
when { principal.roles.contains("analyst") && resource.label != "telegram" };`

describe('release policy versions', () => {
  it('every member starts with the default policy as version 1, active, audited', async () => {
    for (const m of MEMBERS) {
      const active = await findActivePolicy(gw.app.db, m)
      expect(active).toMatchObject({ version: 1, author: DEFAULT_POLICY_AUTHOR, active: true, text: loadDefaultPolicy() })
      expect((await audited(m, 'policy.activated')).map((e) => e.details)).toEqual([{ version: 1, default: true }])
    }
  })

  it('a proposal becomes the next inactive version; activation switches the active one at once', async () => {
    const v2 = await proposePolicy(gw.app.db, deps(), admin('KR'), NARROWER)
    expect(v2).toMatchObject({ originator: 'KR', version: 2, active: false, author: 'KR:policy.desk' })
    expect((await findActivePolicy(gw.app.db, 'KR'))?.version).toBe(1)
    await activatePolicy(gw.app.db, new Date(), admin('KR'), 2)
    expect((await findActivePolicy(gw.app.db, 'KR'))?.version).toBe(2)
    expect((await listPolicyVersions(gw.app.db, 'KR')).map((v) => [v.version, v.active])).toEqual([
      [1, false],
      [2, true],
    ])
    expect((await audited('KR', 'policy.version.created')).map((e) => e.details)).toEqual([{ version: 2 }])
    await activatePolicy(gw.app.db, new Date(), admin('KR'), 1) // roll back
    expect((await findActivePolicy(gw.app.db, 'KR'))?.version).toBe(1)
  })

  it('refuses an invalid policy, or one reaching another originator, and stores nothing', async () => {
    const before = (await listPolicyVersions(gw.app.db, 'TH')).length
    for (const text of [
      'permit (principal, action, resource) when { resource.colour == "red" };',
      'permit (principal, action, resource',
      'permit (principal, action, resource) when { resource.originator == "KR" };',
    ]) {
      const e = await proposePolicy(gw.app.db, deps(), admin('TH'), text).catch((x: unknown) => x)
      expect(e).toBeInstanceOf(AppError)
      expect((e as AppError).code).toBe('POLICY_INVALID')
      expect((e as AppError).errors?.length).toBeGreaterThan(0)
    }
    expect((await listPolicyVersions(gw.app.db, 'TH')).length).toBe(before)
    expect(await audited('TH', 'policy.version.created')).toEqual([])
  })

  it('concurrent proposals take distinct version numbers; an unknown version cannot be activated', async () => {
    const vs = await Promise.all([1, 2, 3].map(() => proposePolicy(gw.app.db, deps(), admin('VN'), NARROWER)))
    expect(vs.map((v) => v.version).sort()).toEqual([2, 3, 4])
    const e = await activatePolicy(gw.app.db, new Date(), admin('VN'), 99).catch((x: unknown) => x)
    expect((e as AppError).code).toBe('POLICY_VERSION_NOT_FOUND')
    expect((await findActivePolicy(gw.app.db, 'VN'))?.version).toBe(1)
  })
})
