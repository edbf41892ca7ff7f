// Loads contracts/openapi.yaml and derives each route's fastify schema from its operationId, so
// request validation, response serialisation and the generated types all come from one contract.
import fs from 'node:fs'
import type { FastifySchema } from 'fastify'
import { parse } from 'yaml'
import { projectFile } from '../project-files.js'

type Json = Record<string, unknown>
export interface Contract {
  doc: Json
  route(operationId: string): { method: string; url: string; schema: FastifySchema }
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const

function deref(doc: Json, node: unknown, seen: string[] = []): unknown {
  if (Array.isArray(node)) return node.map((n) => deref(doc, n, seen))
  if (node === null || typeof node !== 'object') return node
  const obj = node as Json
  if (typeof obj.$ref === 'string') {
    const ref = obj.$ref
    if (seen.includes(ref)) throw new Error(`contract: circular $ref ${ref}`)
    const target = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((acc, k) => (acc as Json)?.[k], doc)
    if (target === undefined) throw new Error(`contract: unresolved $ref ${ref}`)
    return deref(doc, target, [...seen, ref])
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, deref(doc, v, seen)]))
}

function paramsSchema(params: Json[], where: string): Json | undefined {
  const mine = params.filter((p) => p.in === where)
  if (mine.length === 0) return undefined
  return {
    type: 'object',
    properties: Object.fromEntries(mine.map((p) => [p.name, p.schema])),
    required: mine.filter((p) => p.required).map((p) => p.name),
  }
}

/**
 * The fastify path of a contract path. A literal colon (`/v1/leads:lookup`, `{id}:withdraw`) is `::`
 * to fastify; a parameter right before one gets an explicit pattern, or `{webhookId}:ping` and
 * `{webhookId}:replay` would be one route with a parameter named after the suffix.
 */
export function routePath(path: string): string {
  let out = ''
  let last = 0
  for (const m of path.matchAll(/\{(\w+)\}|:/g)) {
    out += path.slice(last, m.index)
    if (m[1]) out += `:${m[1]}${path[m.index + m[0].length] === ':' ? '([^/:]+)' : ''}`
    else out += '::'
    last = m.index + m[0].length
  }
  return out + path.slice(last)
}

export function loadContract(file = projectFile('contracts/openapi.yaml')): Contract {
  const doc = parse(fs.readFileSync(file, 'utf8')) as Json
  const ops = new Map<string, { method: string; url: string; schema: FastifySchema }>()
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    const pathItem = deref(doc, item) as Json
    for (const method of METHODS) {
      const op = pathItem[method] as Json | undefined
      if (!op) continue
      const params = [...((pathItem.parameters as Json[]) ?? []), ...((op.parameters as Json[]) ?? [])]
      const schema: FastifySchema = {}
      const p = paramsSchema(params, 'path')
      const q = paramsSchema(params, 'query')
      if (p) schema.params = p
      if (q) schema.querystring = q
      const body = (op.requestBody as Json | undefined)?.content as Record<string, { schema: Json }> | undefined
      if (body) schema.body = { content: Object.fromEntries(Object.entries(body).map(([ct, c]) => [ct, { schema: c.schema }])) }
      const response: Record<string, unknown> = {}
      for (const [status, r] of Object.entries((op.responses as Record<string, Json>) ?? {})) {
        const content = r.content as Record<string, { schema: Json }> | undefined
        if (content)
          response[status] = { content: Object.fromEntries(Object.entries(content).map(([ct, c]) => [ct, { schema: c.schema }])) }
      }
      schema.response = response
      ops.set(op.operationId as string, { method: method.toUpperCase(), url: routePath(path), schema })
    }
  }
  return {
    doc,
    route(operationId) {
      const r = ops.get(operationId)
      if (!r) throw new Error(`contract: no operation ${operationId}`)
      return r
    },
  }
}
