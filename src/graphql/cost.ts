// Query cost limit (graphql-query-complexity), checked before execution with the request's
// variables: each field costs 1 plus its children, multiplied by `first` where given.
import { type DocumentNode, getNullableType, GraphQLError, GraphQLList, type GraphQLSchema } from 'graphql'
import { type ComplexityEstimator, getComplexity } from 'graphql-query-complexity'
import { errors, toGraphQLExtensions } from '../errors.js'

const ASSUMED_LIST_SIZE = 10

// A field taking `first` (a connection or a list) costs its page size times its children, whether or
// not its own type is a list; other list fields assume a page of 10.
const listAwareEstimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  if (typeof args.first === 'number' && args.first > 0) return 1 + args.first * Math.max(childComplexity, 1)
  if (getNullableType(field.type) instanceof GraphQLList) return 1 + ASSUMED_LIST_SIZE * Math.max(childComplexity, 1)
  return 1 + childComplexity
}

export function queryCost(schema: GraphQLSchema, query: DocumentNode, variables: Record<string, unknown>): number {
  return getComplexity({ schema, query, variables, estimators: [listAwareEstimator] })
}

/** Throws QUERY_TOO_COMPLEX when the operation would cost more than `maxCost`. */
export function assertQueryCost(schema: GraphQLSchema, query: DocumentNode, variables: Record<string, unknown>, maxCost: number): void {
  const cost = queryCost(schema, query, variables)
  if (cost > maxCost) {
    // A GraphQL error (not an HTTP problem): the request was well-formed GraphQL, refused before execution.
    const err = errors.queryTooComplex(`query cost ${cost} exceeds the limit of ${maxCost}`)
    throw new GraphQLError(err.message, { extensions: toGraphQLExtensions(err) })
  }
}
