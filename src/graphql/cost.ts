// Query cost limit (graphql-query-complexity), checked before execution with the request's
// variables: roughly the objects a response may hold, so aliases and page sizes cannot multiply
// rows past the limit while one ordinary page (records(first: 100), events(limit: 500)) fits.
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  GraphQLList,
  type GraphQLObjectType,
  type GraphQLSchema,
  type DocumentNode,
  isLeafType,
} from 'graphql'
import { type ComplexityEstimator, getComplexity } from 'graphql-query-complexity'
import { errors, toGraphQLExtensions } from '../errors.js'

// Costs in tenths: an object (or each item of a list of objects) costs 1, a scalar field 0.1.
// Scalars are not free: aliasing one 10,000 times inside a page would otherwise cost nothing.
const OBJECT = 10
const SCALAR = 1
const ASSUMED_LIST_SIZE = 10

type Args = Record<string, unknown>

/**
 * List fields with no size argument whose real maximum is above the assumed 10 (or exact): what
 * their service returns at most, so aliases of them cost what they can return.
 */
export const LIST_SIZES: Readonly<Record<string, number | ((args: Args) => number)>> = {
  'Query.members': 6, // the coalition
  'Query.matches': 200, // listMyMatches' limit
  'Query.accessRequests': 200, // listRequests' limit
  'Query.contactRequests': 200, // listContactRequests' limit
  'Query.policyVersions': 100, // unbounded (one per stored version); charged as a long history
  'Query.webhooks': 20, // MAX_SUBSCRIPTIONS
  'Query.leadLookup': (args) => (Array.isArray(args.selectors) ? args.selectors.length : 0), // one result per selector
}

const count = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? Math.max(0, Math.trunc(v)) : null)

/** How many items a field may return, or null when it is not a list to multiply. */
function listSize(
  parent: GraphQLObjectType,
  field: { name: string; type: Parameters<typeof getNullableType>[0] },
  args: Args,
): number | null {
  const size = count(args.first) ?? count(args.limit)
  if (size !== null) return size
  const known = LIST_SIZES[`${parent.name}.${field.name}`]
  if (known !== undefined) return typeof known === 'number' ? known : known(args)
  if (!(getNullableType(field.type) instanceof GraphQLList)) return null
  // A connection's edges were already multiplied by the connection field's `first`.
  if (field.name === 'edges' && parent.name.endsWith('Connection')) return null
  return ASSUMED_LIST_SIZE
}

/** Lists inside a page object whose field already multiplied by its `limit`: the page costs nothing more. */
const PAGE_ITEMS: ReadonlySet<string> = new Set(['EventPage.events', 'WebhookDeliveryPage.items'])

const estimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  if (isLeafType(getNamedType(field.type))) return SCALAR // a scalar, an enum, or a list of them: one value
  if (PAGE_ITEMS.has(`${(type as GraphQLObjectType).name}.${field.name}`)) return childComplexity
  const size = listSize(type as GraphQLObjectType, field, args)
  return size === null ? OBJECT + childComplexity : size * (OBJECT + childComplexity)
}

/** The operation's cost in whole units, rounded up (every operation of the document counted). */
export function queryCost(schema: GraphQLSchema, query: DocumentNode, variables: Record<string, unknown>): number {
  return Math.ceil(getComplexity({ schema, query, variables, estimators: [estimator] }) / OBJECT)
}

/** Throws QUERY_TOO_COMPLEX when the operation would cost more than `maxCost`. */
export function assertQueryCost(schema: GraphQLSchema, query: DocumentNode, variables: Record<string, unknown>, maxCost: number): void {
  let cost: number
  try {
    cost = queryCost(schema, query, variables)
  } catch (e) {
    // graphql-query-complexity gives up past 10,000 selections: too complex, not malformed.
    if (e instanceof GraphQLError && /maximum allowed number of nodes/.test(e.message)) cost = Infinity
    else throw e
  }
  if (cost > maxCost) {
    // A GraphQL error (not an HTTP problem): the request was well-formed GraphQL, refused before execution.
    const err = errors.queryTooComplex(
      Number.isFinite(cost) ? `query cost ${cost} exceeds the limit of ${maxCost}` : 'the query has more than 10,000 selections',
    )
    throw new GraphQLError(err.message, { extensions: toGraphQLExtensions(err) })
  }
}
