// Which parts of a record become disclosures: every body field, and the elements of the arrays a
// type's schema discloses one by one (x-icacn-disclose-items). Read from the record type schemas the
// SDK ships (dist/schemas/records, copied from the gateway's schema/records at build), so a partner
// issues exactly the frame the gateway accepts.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { SdFrame } from './sd-jwt/sd-jwt.js'

export interface RecordTypeSchema {
  name: string
  properties: Record<string, { 'x-icacn-disclose-items'?: boolean; 'x-icacn-label'?: string }>
}

export interface RecordFrames {
  readonly names: readonly string[]
  has(type: string): boolean
  /** The SD-JWT frame for a wrapped body: every field a disclosure, listed arrays element by element. */
  frame(type: string, fields: readonly string[]): SdFrame
  /** Does this array field disclose element by element? */
  disclosesItems(type: string, field: string): boolean
}

/** Frames from parsed schemas (the gateway passes the ones it validates with). */
export function recordFramesFrom(schemas: readonly RecordTypeSchema[]): RecordFrames {
  const types = new Map(schemas.filter((s) => s.name !== 'common').map((s) => [s.name, s.properties]))
  const props = (type: string) => {
    const p = types.get(type)
    if (!p) throw new Error(`unknown record type ${type}`)
    return p
  }
  const disclosesItems = (type: string, field: string) => props(type)[field]?.['x-icacn-disclose-items'] === true
  return {
    names: [...types.keys()],
    has: (type) => types.has(type),
    disclosesItems,
    frame(type, fields) {
      const body: Record<string, SdFrame> = {}
      for (const f of fields) body[f] = { sd: true, ...(disclosesItems(type, f) ? { props: { value: { items: { sd: true } } } } : {}) }
      return { props: { body: { props: body } } }
    },
  }
}

/** The record type schemas in `dir` (default: those bundled with the SDK). */
export function readRecordTypeSchemas(dir = fileURLToPath(new URL('./schemas/records/', import.meta.url))): RecordTypeSchema[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({
      name: path.basename(f, '.json'),
      properties:
        (JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { properties?: RecordTypeSchema['properties'] }).properties ?? {},
    }))
}

export const loadRecordFrames = (dir?: string): RecordFrames => recordFramesFrom(readRecordTypeSchemas(dir))
