// The SDK proven as a partner would use it: packed (npm pack), installed into an empty project with
// no access to this repository, and the README's partner script run there against a live gateway:
// a key of its own registered through the rotation endpoint, a record published with it, read by
// another member and verified offline.
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTokenSource, loadMemberKey } from '@icacn/sdk'
import { freshDatabase, type FreshDatabase } from '../support/database.js'
import { freePort, type Gateway, gatewayEnv, ROOT, startGateway, stopGateway } from '../support/process.js'
import { installPackedSdk, type PartnerProject } from '../support/sdk-tarball.js'

const run = promisify(execFile)
let db: FreshDatabase
let gw: Gateway
let base: string
let project: PartnerProject

/** The README's partner section, exactly: the script between its markers. */
function readmeScript(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const m = /<!-- partner-script -->\s*```js\n([\s\S]*?)```/.exec(readme)
  if (!m) throw new Error('README has no partner script (<!-- partner-script --> followed by a js block)')
  return m[1]!
}

beforeAll(async () => {
  db = await freshDatabase()
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  gw = await startGateway(gatewayEnv(db, port))
  project = installPackedSdk()
}, 180_000)
afterAll(async () => {
  if (gw) await stopGateway(gw)
  project?.cleanup()
  await db?.cleanup()
})

describe('the SDK as a partner installs it', () => {
  it('the tarball holds the built SDK and nothing of the server; it installs with its own dependencies only', () => {
    expect(project.tarballFiles).toContain('dist/index.js')
    expect(project.tarballFiles).toContain('dist/index.d.ts')
    expect(project.tarballFiles).toContain('dist/schemas/records/person.json')
    expect(project.tarballFiles.filter((f) => !/^(dist\/|package\.json$|README\.md$)/.test(f))).toEqual([])
    expect(project.tarballFiles.filter((f) => f.endsWith('.map') || f.includes('test'))).toEqual([])
    expect(project.installed).toEqual([
      '@icacn/sdk',
      '@noble/hashes',
      '@scure/base',
      '@stablelib/base64',
      'fast-sha256',
      'jose',
      'libphonenumber-js',
      'openapi-fetch',
      'openapi-typescript-helpers',
      'standardwebhooks',
    ])
  })

  it('its webhook verifier loads there: the CommonJS standardwebhooks is imported by name from the ESM SDK', async () => {
    const script = "import { verifyWebhook } from '@icacn/sdk'; console.log(typeof verifyWebhook)"
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: project.dir, timeout: 30_000 })
    expect(stdout.trim()).toBe('function')
  })

  it("runs the README's partner script: own key registered, record published with it, read by TH and verified", async () => {
    fs.writeFileSync(path.join(project.dir, 'partner.mjs'), readmeScript())
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GATEWAY: base,
      DEV_KEYS: path.join(db.dataDir, 'dev-keys'),
    }
    const { stdout } = await run(process.execPath, ['partner.mjs'], { cwd: project.dir, env, timeout: 60_000 })
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      registered: string
      signedWith: string
      published: string
      readBy: string
      verified: string[]
    }
    expect(out.signedWith).toBe(out.registered) // the record was signed with the key the script made and registered
    expect(out.readBy).toBe('TH')
    expect(out.verified).toEqual(expect.arrayContaining(['/body/names', '/body/phones']))
    expect(out.verified.some((p) => p.startsWith('/body/passports'))).toBe(false) // AMBER+STRICT to VN only
    // The private half was written readable by its owner only.
    const keyFiles = fs.readdirSync(path.join(project.dir, 'keys'))
    const priv = keyFiles.find((f) => f.endsWith('.private.jwk.json'))!
    expect(fs.statSync(path.join(project.dir, 'keys', priv)).mode & 0o777).toBe(0o600)
    // The gateway holds the new key as KR's, registered by KR's admin with the dev key.
    const jwks = (await (
      await fetch(`${base}/v1/members/KR/keys`, { headers: { authorization: `Bearer ${await krToken()}` } })
    ).json()) as { keys: Array<{ kid: string; status: string }> }
    expect(jwks.keys.find((k) => k.kid === out.registered)?.status).toBe('active')
  }, 120_000)
})

/** A KR token, with KR's development key, through this repository's own build of the SDK. */
async function krToken(): Promise<string> {
  const dev = await loadMemberKey(path.join(db.dataDir, 'dev-keys', 'KR.private.jwk.json'))
  return createTokenSource({ gateway: base, member: 'KR', kid: dev.kid, key: dev.key, actor: 'kr.test', roles: ['analyst'] }).token()
}
