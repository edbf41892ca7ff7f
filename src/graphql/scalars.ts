// DateTime (RFC 3339 strings) and JSON scalars.
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql'

export const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  description: 'RFC 3339 date-time in UTC',
  serialize: (v) => (v instanceof Date ? v.toISOString() : String(v)),
  parseValue: (v) => {
    if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) throw new GraphQLError('DateTime must be an RFC 3339 string')
    return new Date(v)
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING || Number.isNaN(Date.parse(ast.value))) throw new GraphQLError('DateTime must be an RFC 3339 string')
    return new Date(ast.value)
  },
})

function literal(ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value)
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literal(f.value)]))
    case Kind.LIST:
      return ast.values.map(literal)
    default:
      return null
  }
}

export const JSONScalar = new GraphQLScalarType({ name: 'JSON', serialize: (v) => v, parseValue: (v) => v, parseLiteral: literal })
