// /docs and /graphiql in real headless Chromium (Debian's package) against a gateway on loopback:
// they render, GraphiQL runs a query with a pasted token and loads the schema, no request leaves for
// another host, and nothing is logged as an error (a CSP refusal is). Screenshots: test-artifacts/.
import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway, type TestGateway } from '../support/app.js'

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts/browser')
/**
 * The pages are opened by a name, as a partner would, not as 127.0.0.1: Swagger UI, for one, calls
 * its online validator only for specs that are not on localhost. Chromium maps the name to loopback.
 */
const HOST = 'gateway.icacn.test'
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
]

let gw: TestGateway
let context: BrowserContext
let base: string
let profile: string
/** Requests for anything but this gateway: each one fails the test that made it. */
const foreign: string[] = []
/** Set when there is no browser: each test then fails with it (a failed hook would count them as skipped). */
let missing: string | undefined

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    missing = `no Chromium at ${CHROMIUM}: install Debian's package (apt-get update && apt-get install -y chromium, as .ci/run does) or set CHROMIUM_PATH`
    return
  }
  gw = await startGateway()
  await gw.app.listen({ host: '127.0.0.1', port: 0 })
  base = `http://${HOST}:${(gw.app.server.address() as AddressInfo).port}`
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'icacn-chromium-'))
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  // A persistent context is how playwright takes a fresh --user-data-dir.
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 800 },
  })
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url())
    if (url.origin === base) return route.continue()
    foreign.push(url.href)
    return route.abort('blockedbyclient')
  })
  // A CSP refusal also shows as a console error; this names the directive. (Page code as text: the
  // project's TypeScript has no DOM types.)
  await context.addInitScript({
    content:
      "window.cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.effectiveDirective + ' ' + e.blockedURI))",
  })
})

afterAll(async () => {
  await context?.close()
  if (profile) fs.rmSync(profile, { recursive: true, force: true })
  await gw?.close()
})

/**
 * Opens a page in a new tab, runs the steps, keeps a screenshot (also when a step fails), then fails
 * on any console or page error, CSP refusal, or request for another host.
 */
async function inTab(url: string, name: string, steps: (page: Page) => Promise<void>): Promise<void> {
  if (missing) throw new Error(missing)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('websocket', (ws) => new URL(ws.url()).host !== new URL(base).host && foreign.push(ws.url()))
  try {
    await page.goto(base + url)
    await steps(page)
  } finally {
    const file = path.join(ARTIFACTS, `${name}.png`)
    await page.screenshot({ path: file }).then(
      () => console.log(`screenshot: ${file}`),
      (e: Error) => console.log(`no screenshot ${file}: ${e.message}`),
    )
  }
  expect(await page.evaluate('window.cspViolations')).toEqual([])
  expect(errors).toEqual([])
  expect(foreign).toEqual([])
  await page.close()
}

async function docsSteps(page: Page): Promise<void> {
  const getRecord = page
    .locator('.opblock', { has: page.locator('.opblock-summary-path[data-path="/v1/records/{originator}/{id}"]') })
    .filter({ hasText: /getRecord\b/ })
  await getRecord.first().waitFor({ timeout: 20_000 })
  expect(await page.locator('.info .title').innerText()).toMatch(/^ICACN Exchange/)
  expect(await page.locator('.servers select').inputValue()).toBe(gw.config.issuer)
  await getRecord.first().locator('.opblock-summary').click()
  await page.locator('.opblock-body .parameters').first().waitFor()
  expect(await getRecord.first().innerText()).toMatch(/originator/)
}

async function graphiqlSteps(page: Page): Promise<void> {
  await page.locator('.graphiql-container').waitFor({ timeout: 20_000 })
  // No token yet: GraphiQL says what to do (its schema fetch fails), without asking the gateway for a 401.
  await page.locator('.graphiql-response', { hasText: 'No access token' }).waitFor()
  await page.getByLabel('Show Documentation Explorer').click()
  await page.locator('.graphiql-doc-explorer', { hasText: 'Error fetching schema' }).waitFor()

  const token = await gw.token('KH')
  await page.locator('.graphiql-editor-tool .CodeMirror').filter({ visible: true }).click()
  await page.keyboard.press('Control+A')
  await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${token}` }))
  await page.locator('.graphiql-query-editor .CodeMirror').click()
  await page.keyboard.press('Control+A')
  await page.keyboard.insertText('{ me { actor member { code shortName } } }')
  await page.locator('.graphiql-execute-button').click()
  await page.locator('.graphiql-response', { hasText: '"code": "KH"' }).waitFor({ timeout: 10_000 })
  expect(await page.locator('.graphiql-response').innerText()).toMatch(/"actor": "analyst\.kh@example\.test"/)
  // The token is a bearer credential: GraphiQL keeps its history, tabs and query, never its headers.
  const stored = (await page.evaluate('({ ...localStorage })')) as Record<string, string>
  expect(stored['graphiql:queries']).toContain('shortName')
  expect(JSON.stringify(stored)).not.toContain(token.split('.')[2]!)

  // The new token brought the schema: introspection passed at the default limits.
  const explorer = page.locator('.graphiql-doc-explorer')
  await explorer.getByText('query: Query').waitFor({ timeout: 10_000 })
  await explorer
    .locator('a', { hasText: /^Query$/ })
    .first()
    .click()
  await explorer.getByText('record', { exact: true }).first().waitFor()
  expect(await explorer.innerText()).toMatch(/\bme\b[\s\S]*Me/)

  // Dialogs lock scrolling with a generated <style>: allowed by its hash, so no CSP refusal.
  await page.getByLabel('Open settings dialog').click()
  await page.getByRole('dialog').waitFor()
  // Closed again, so the screenshot shows the answer.
  await page.keyboard.press('Escape')
  await page.getByRole('dialog').waitFor({ state: 'hidden' })
}

describe('in Chromium', () => {
  it('/docs renders the operations from /openapi.json', () => inTab('/docs', 'docs', docsSteps), 60_000)
  it(
    '/graphiql runs a query with a token pasted in its headers editor, and loads the schema',
    () => inTab('/graphiql', 'graphiql', graphiqlSteps),
    60_000,
  )
})
