// The committed contract types must equal a fresh generation from contracts/openapi.yaml.
import fs from 'node:fs'
import openapiTS, { astToString } from 'openapi-typescript'
import { describe, expect, it } from 'vitest'

describe('contract', () => {
  it('packages/sdk/src/contract.gen.ts is up to date with contracts/openapi.yaml (run npm run contracts)', async () => {
    const fresh = astToString(await openapiTS(new URL('../../contracts/openapi.yaml', import.meta.url)))
    const committed = fs.readFileSync(new URL('../../packages/sdk/src/contract.gen.ts', import.meta.url), 'utf8')
    const body = (s: string) => s.slice(s.indexOf('export '))
    expect(body(committed)).toBe(body(fresh))
  })
})
