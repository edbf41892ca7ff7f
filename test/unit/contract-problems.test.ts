// The contract's Problem schema lists exactly the problem codes the gateway can answer with
// (the keys of CATALOGUE in src/errors.ts), and every problem type matches its `type` pattern, so
// a new code cannot go undocumented in the contract a partner generates its client from.
import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { type ErrorCode, problemType } from '../../src/errors.js'
import { projectFile } from '../../src/project-files.js'

// CATALOGUE is not exported (only its key union is), so its keys are read from the source as
// test/unit/readme-problems.test.ts does.
const source = fs.readFileSync(projectFile('src/errors.ts'), 'utf8')
const CODES = [...source.slice(source.indexOf('const CATALOGUE'), source.indexOf('} as const')).matchAll(/^ {2}([A-Z_]+): \[/gm)].map(
  (m) => m[1] as ErrorCode,
)

interface ProblemSchema {
  required: string[]
  properties: { code: { enum: string[] }; type: { pattern: string } }
}
const contract = parse(fs.readFileSync(projectFile('contracts/openapi.yaml'), 'utf8')) as {
  components: { schemas: { Problem: ProblemSchema } }
}
const problem = contract.components.schemas.Problem

describe('contract Problem schema', () => {
  it('lists every problem code as an enum, and nothing that is not a code', () => {
    expect(CODES.length).toBeGreaterThan(60)
    const listed = problem.properties.code.enum
    expect(new Set(listed).size, 'a code is listed twice').toBe(listed.length)
    expect(
      CODES.filter((c) => !listed.includes(c)),
      'codes missing from the contract',
    ).toEqual([])
    expect(
      listed.filter((c) => !(CODES as string[]).includes(c)),
      'contract codes that are not codes',
    ).toEqual([])
    expect(problem.required).toEqual(expect.arrayContaining(['type', 'code', 'status', 'title', 'detail']))
  })

  it('its type pattern accepts every code’s problem type and rejects other URIs', () => {
    const pattern = new RegExp(problem.properties.type.pattern)
    expect(problem.properties.type.pattern).toBe('^urn:icacn:problem:[a-z0-9-]+$')
    for (const code of CODES) expect(problemType(code), code).toMatch(pattern)
    for (const other of [
      'about:blank',
      'urn:icacn:problem:',
      'urn:icacn:problem:Token_Expired',
      'https://icacn.example/problems/token-expired',
    ]) {
      expect(other).not.toMatch(pattern)
    }
  })
})
