// The record types: one JSON Schema per type under schema/records/ (loaded at start, not on import).
// The schema says how to validate a body, which arrays disclose element by element
// (x-icacn-disclose-items) and each field's policy label (x-icacn-label).
import fs from 'node:fs'
import path from 'node:path'
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import type { FieldError } from '../errors.js'
import { projectFile } from '../project-files.js'
import { recordFramesFrom } from '@icacn/sdk'
import type { SdFrame } from '@icacn/sdk/sd-jwt'

interface PropertySchema {
  type?: string
  'x-icacn-disclose-items'?: boolean
  'x-icacn-label'?: string
}

export interface RecordTypes {
  readonly names: readonly string[]
  has(type: string): boolean
  /** Schema errors as JSON pointers into the request, e.g. `/body/passport/number`. */
  validateBody(type: string, body: unknown): FieldError[]
  /** The SD-JWT frame for a wrapped body: every field a disclosure, listed arrays element by element. */
  frame(type: string, fields: readonly string[]): SdFrame
  /** Does this array field disclose element by element (x-icacn-disclose-items)? */
  disclosesItems(type: string, field: string): boolean
  label(type: string, field: string): string
}

function toFieldErrors(errs: ErrorObject[] | null | undefined): FieldError[] {
  return (errs ?? []).map((e) => {
    const extra =
      (e.params as { missingProperty?: string; additionalProperty?: string }).missingProperty ??
      (e.params as { additionalProperty?: string }).additionalProperty
    return { pointer: `/body${e.instancePath}${extra ? `/${extra}` : ''}`, detail: e.message ?? 'is invalid' }
  })
}

export function loadRecordTypes(dir = projectFile('schema/records')): RecordTypes {
  const ajv = new Ajv2020({ allErrors: true, strict: true })
  ;(addFormats as unknown as (a: Ajv2020) => void)(ajv)
  ajv.addKeyword({ keyword: 'x-icacn-disclose-items', schemaType: 'boolean' })
  ajv.addKeyword({ keyword: 'x-icacn-label', schemaType: 'string' })
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
  const docs = files.map((f) => ({
    name: path.basename(f, '.json'),
    doc: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { $id: string; properties?: Record<string, PropertySchema> },
  }))
  for (const { doc } of docs) ajv.addSchema(doc)
  const types = new Map<string, { validate: ValidateFunction; props: Record<string, PropertySchema> }>()
  for (const { name, doc } of docs) {
    if (name === 'common') continue
    types.set(name, { validate: ajv.getSchema(doc.$id)!, props: doc.properties ?? {} })
  }
  const get = (type: string) => {
    const t = types.get(type)
    if (!t) throw new Error(`unknown record type ${type}`)
    return t
  }
  // Which fields disclose element by element is the SDK's rule (partners issue with it), over our schemas.
  const frames = recordFramesFrom(docs.map(({ name, doc }) => ({ name, properties: doc.properties ?? {} })))
  return {
    names: [...types.keys()],
    has: (type) => types.has(type),
    validateBody(type, body) {
      const { validate } = get(type)
      return validate(body) ? [] : toFieldErrors(validate.errors)
    },
    frame: (type, fields) => (get(type), frames.frame(type, fields)),
    disclosesItems: (type, field) => (get(type), frames.disclosesItems(type, field)),
    label: (type, field) => types.get(type)?.props[field]?.['x-icacn-label'] ?? field,
  }
}
