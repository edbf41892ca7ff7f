// What a GraphQL request may carry, checked before parsing and before execution: GraphQL text (not
// a JSON value, which mercurius would otherwise read as an AST) and string arguments the database can store.
import { type DocumentNode, GraphQLError, Kind, type ValueNode, visit } from 'graphql'
import { TEXT_PROBLEM_DETAIL, type TextProblem, textProblem } from '../db/storable-text.js'
import { type AppError, errors, toGraphQLExtensions } from '../errors.js'

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
type Found = { path: Path; problem: TextProblem }

/** The first string in a variable's value the database cannot store, or null. */
function badInValue(value: unknown, path: Path): Found | null {
  if (typeof value === 'string') {
    const problem = textProblem(value)
    return problem ? { path, problem } : null
  }
  if (Array.isArray(value)) return value.reduce<Found | null>((hit, v, i) => hit ?? badInValue(v, [...path, i]), null)
  if (value !== null && typeof value === 'object')
    return Object.entries(value).reduce<Found | null>((hit, [k, v]) => hit ?? badInValue(v, [...path, k]), null)
  return null
}

/** The same for a literal, following variables into the request's values. */
function badInNode(node: ValueNode, variables: Record<string, unknown>, path: Path): Found | null {
  switch (node.kind) {
    case Kind.STRING:
      return badInValue(node.value, path)
    case Kind.VARIABLE:
      return badInValue(variables[node.name.value], path)
    case Kind.LIST:
      return node.values.reduce<Found | null>((hit, v, i) => hit ?? badInNode(v, variables, [...path, i]), null)
    case Kind.OBJECT:
      return node.fields.reduce<Found | null>((hit, f) => hit ?? badInNode(f.value, variables, [...path, f.name.value]), null)
    default:
      return null
  }
}

const dotted = (path: Path) => path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${p}` : p)).join('')
const pointer = (path: Path) => `/${path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`

/**
 * Refuses text the database cannot store (src/db/storable-text.ts: U+0000, lone surrogates) in any
 * string argument (literal, escape, variable, input object field or list element) and in variable
 * defaults: a GET's variables arrive as JSON text the HTTP guard cannot see into, so without this it
 * would surface from a query as an internal error. The error names the field and the argument.
 */
export function assertStorableArguments(document: DocumentNode, variables: Record<string, unknown>): void {
  let found: { where: string; at: Found } | null = null
  visit(document, {
    VariableDefinition(node) {
      const at = node.defaultValue ? badInNode(node.defaultValue, {}, [node.variable.name.value]) : null
      if (at) found ??= { where: 'the default of', at: { ...at, path: [`$${at.path[0]}`, ...at.path.slice(1)] } }
    },
    Argument(node, _key, _parent, _path, ancestors) {
      const at = badInNode(node.value, variables, [node.name.value])
      const owner = ancestors[ancestors.length - 1] as { kind: string; name?: { value: string } } | undefined // the field or directive
      if (at) found ??= { where: `${owner?.kind === Kind.DIRECTIVE ? '@' : ''}${owner?.name?.value ?? 'a field'}: argument`, at }
    },
  })
  if (!found) return
  const { where, at } = found as { where: string; at: Found }
  const message =
    at.problem === 'nul'
      ? `${where} ${dotted(at.path)} contains U+0000 (NUL), which is not accepted in text`
      : `${where} ${dotted(at.path)} is not well-formed Unicode (a lone surrogate)`
  refuse(
    errors.validation(message, [
      { pointer: pointer(at.path), detail: at.problem === 'nul' ? 'must not contain U+0000' : TEXT_PROBLEM_DETAIL[at.problem] },
    ]),
  )
}
