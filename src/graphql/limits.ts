// Depth and cost limits, checked together before execution (mercurius's own queryDepth is not used:
// it cannot exempt introspection). Every operation of the document is measured, fragments expanded.
import {
  BREAK,
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  type SelectionSetNode,
  visit,
} from 'graphql'
import { errors, toGraphQLExtensions } from '../errors.js'
import { assertQueryCost } from './cost.js'

export interface QueryLimits {
  maxDepth: number
  maxCost: number
  /** Introspection is allowed (validation refuses __schema and __type otherwise). */
  introspection: boolean
}

const INTROSPECTION_FIELDS = new Set(['__schema', '__type', '__typename'])

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  return new Map(document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]))
}

/** The deepest nesting of fields in any operation; fragments and type conditions add no level. */
export function queryDepth(document: DocumentNode): number {
  const fragments = fragmentsOf(document)
  // Each fragment's depth is computed once: a chain of fragments each spread twice must not explode.
  const known = new Map<string, number>()
  const depthOf = (set: SelectionSetNode | undefined): number => {
    let max = 0
    for (const s of set?.selections ?? []) {
      if (s.kind === Kind.FIELD) max = Math.max(max, 1 + depthOf(s.selectionSet))
      else if (s.kind === Kind.INLINE_FRAGMENT) max = Math.max(max, depthOf(s.selectionSet))
      else {
        const name = s.name.value
        if (!known.has(name)) {
          known.set(name, Infinity) // while in progress: a cycle (refused by validation earlier) is unbounded
          known.set(name, depthOf(fragments.get(name)?.selectionSet))
        }
        max = Math.max(max, known.get(name)!)
      }
    }
    return max
  }
  return document.definitions.reduce((max, d) => (d.kind === Kind.OPERATION_DEFINITION ? Math.max(max, depthOf(d.selectionSet)) : max), 0)
}

/**
 * True when every operation selects only __schema, __type and __typename at its root, and no field
 * anywhere has an alias. Such a result is bounded by the schema itself: without aliases a field
 * appears once per parent, and graphql-js's MaxIntrospectionDepthRule (a specified rule) bounds how
 * deep fields/interfaces/possibleTypes/inputFields nest. GraphiQL's and codegen's standard query fits.
 */
export function isPlainIntrospection(document: DocumentNode): boolean {
  let aliased = false
  visit(document, {
    Field(node) {
      if (!node.alias) return undefined
      aliased = true
      return BREAK
    },
  })
  if (aliased) return false
  const fragments = fragmentsOf(document)
  const known = new Map<string, boolean>()
  const rootOnly = (set: SelectionSetNode | undefined): boolean =>
    (set?.selections ?? []).every((s) => {
      if (s.kind === Kind.FIELD) return INTROSPECTION_FIELDS.has(s.name.value)
      if (s.kind === Kind.INLINE_FRAGMENT) return rootOnly(s.selectionSet)
      const name = s.name.value
      if (!known.has(name)) {
        known.set(name, false) // while in progress: a cycle is not plain introspection
        known.set(name, rootOnly(fragments.get(name)?.selectionSet))
      }
      return known.get(name)!
    })
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION)
  return operations.length > 0 && operations.every((op) => rootOnly(op.selectionSet))
}

/** Throws QUERY_TOO_COMPLEX past the depth or cost limit; plain introspection is exempt when allowed. */
export function assertQueryLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  limits: QueryLimits,
): void {
  if (limits.introspection && isPlainIntrospection(document)) return
  const depth = queryDepth(document)
  if (depth > limits.maxDepth) {
    const err = errors.queryTooComplex(
      `query depth ${Number.isFinite(depth) ? depth : 'unbounded'} exceeds the limit of ${limits.maxDepth}`,
    )
    throw new GraphQLError(err.message, { extensions: toGraphQLExtensions(err) })
  }
  assertQueryCost(schema, document, variables, limits.maxCost)
}
