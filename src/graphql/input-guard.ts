// What a GraphQL request may carry, checked before parsing and before execution: GraphQL text (not
// a JSON value, which mercurius would otherwise read as an AST) and string arguments without NUL.
import { type DocumentNode, GraphQLError, Kind, type ValueNode, visit } from 'graphql'
import { type AppError, errors, toGraphQLExtensions } from '../errors.js'

const NUL = '\u0000'

function refuse(err: AppError): never {
  throw new GraphQLError(err.message, { extensions: toGraphQLExtensions(err) })
}

/**
 * Refuses a `query` that parses as JSON. Mercurius falls back to JSON.parse when the text is not
 * GraphQL and would validate the result as a document; no GraphQL document is also valid JSON.
 */
export function assertGraphQLText(source: string): void {
  try {
    JSON.parse(source)
  } catch {
    return
  }
  refuse(errors.validation('query must be GraphQL text, not JSON', [{ pointer: '/query', detail: 'a GraphQL document' }]))
}

type Path = ReadonlyArray<string | number>

/** The path of the first string holding NUL in a variable's value, or null. */
function nulInValue(value: unknown, path: Path): Path | null {
  if (typeof value === 'string') return value.includes(NUL) ? path : null
  if (Array.isArray(value)) return value.reduce<Path | null>((hit, v, i) => hit ?? nulInValue(v, [...path, i]), null)
  if (value !== null && typeof value === 'object')
    return Object.entries(value).reduce<Path | null>((hit, [k, v]) => hit ?? nulInValue(v, [...path, k]), null)
  return null
}

/** The same for a literal, following variables into the request's values. */
function nulInNode(node: ValueNode, variables: Record<string, unknown>, path: Path): Path | null {
  switch (node.kind) {
    case Kind.STRING:
      return node.value.includes(NUL) ? path : null
    case Kind.VARIABLE:
      return nulInValue(variables[node.name.value], path)
    case Kind.LIST:
      return node.values.reduce<Path | null>((hit, v, i) => hit ?? nulInNode(v, variables, [...path, i]), null)
    case Kind.OBJECT:
      return node.fields.reduce<Path | null>((hit, f) => hit ?? nulInNode(f.value, variables, [...path, f.name.value]), null)
    default:
      return null
  }
}

const dotted = (path: Path) => path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${p}` : p)).join('')
const pointer = (path: Path) => `/${path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`

/**
 * Refuses U+0000 in any string argument (literal, `\u0000` escape, variable, input object field or
 * list element) and in variable defaults: PostgreSQL cannot store NUL in text, so it would otherwise
 * surface from a query as an internal error. The error names the field and the argument.
 */
export function assertNoNulArguments(document: DocumentNode, variables: Record<string, unknown>): void {
  let found: { where: string; path: Path } | null = null
  visit(document, {
    VariableDefinition(node) {
      const path = node.defaultValue ? nulInNode(node.defaultValue, {}, [node.variable.name.value]) : null
      if (path) found ??= { where: 'the default of', path: [`$${path[0]}`, ...path.slice(1)] }
    },
    Argument(node, _key, _parent, _path, ancestors) {
      const path = nulInNode(node.value, variables, [node.name.value])
      const owner = ancestors[ancestors.length - 1] as { kind: string; name?: { value: string } } | undefined // the field or directive
      if (path) found ??= { where: `${owner?.kind === Kind.DIRECTIVE ? '@' : ''}${owner?.name?.value ?? 'a field'}: argument`, path }
    },
  })
  if (!found) return
  const { where, path } = found as { where: string; path: Path }
  refuse(
    errors.validation(`${where} ${dotted(path)} contains U+0000 (NUL), which is not accepted in text`, [
      { pointer: pointer(path), detail: 'must not contain U+0000' },
    ]),
  )
}
