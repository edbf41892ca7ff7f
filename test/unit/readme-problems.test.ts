// The README's problem table names every problem code the gateway can answer with (src/errors.ts),
// at its status, so a new code cannot go undocumented and a renamed one cannot linger.
import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { AppError, type ErrorCode, problemType } from '../../src/errors.js'
import { projectFile } from '../../src/project-files.js'

const source = fs.readFileSync(projectFile('src/errors.ts'), 'utf8')
const CODES = [...source.slice(source.indexOf('const CATALOGUE'), source.indexOf('} as const')).matchAll(/^ {2}([A-Z_]+): \[/gm)].map(
  (m) => m[1] as ErrorCode,
)

/** Each row of the README table: its statuses and the type suffixes it names. */
function tableRows(): Array<{ statuses: number[]; suffixes: string[] }> {
  const readme = fs.readFileSync(projectFile('README.md'), 'utf8')
  const table = readme.slice(readme.indexOf('| status | `type` suffix | when |'))
  const all = table.split('\n').slice(2)
  const lines = all.slice(
    0,
    all.findIndex((l) => !l.startsWith('|')),
  )
  return lines.map((l) => {
    const [, status, types] = l.split('|')
    return {
      statuses: status!.split(',').map((x) => Number(x.trim())),
      suffixes: [...types!.matchAll(/`([a-z0-9-]+)`/g)].map((m) => m[1]!),
    }
  })
}

describe('README problem table', () => {
  it('documents every code at its status, and nothing that is not a code', () => {
    expect(CODES.length).toBeGreaterThan(60)
    const rows = tableRows()
    for (const code of CODES) {
      const suffix = problemType(code).replace('urn:icacn:problem:', '')
      const row = rows.find((r) => r.suffixes.includes(suffix))
      expect(row, `README problem table lacks ${suffix}`).toBeDefined()
      expect(row!.statuses, `${suffix} is listed under another status`).toContain(new AppError(code).status)
    }
    const known = new Set(CODES.map((c) => problemType(c).replace('urn:icacn:problem:', '')))
    expect(rows.flatMap((r) => r.suffixes).filter((s) => !known.has(s))).toEqual([])
  })
})
