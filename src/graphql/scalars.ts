// DateTime (RFC 3339 strings) and JSON scalars.
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql'
import { parseTime } from '../records/record-page.js'

// Parsed exactly as REST parses date-time parameters (records/record-page.ts parseTime): a leap second,
// year 0 or an impossible day is refused with its reason instead of reaching the database.
export const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  description: 'RFC 3339 date-time (an offset is converted to UTC); years 0001–9999, no leap seconds',
  serialize: (v) => (v instanceof Date ? v.toISOString() : String(v)),
  parseValue: (v) => {
    if (typeof v !== 'string') throw new GraphQLError('DateTime must be an RFC 3339 string')
    return parseTime(v, '/DateTime')
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be an RFC 3339 string')
    return parseTime(ast.value, '/DateTime')
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
