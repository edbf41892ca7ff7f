// GraphQL side of the API fuzz test: for one root field, arguments generated from their declared
// types (hostile scalars, wrong enum names, recursive input objects, lists, wrong types) and a
// selection of scalar leaves, written into a document inline or passed as variables.
import fc from 'fast-check'
import {
  getNamedType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isUnionType,
} from 'graphql'
import { HOSTILE_DATES, hostileString, hostileValue, type Pools, replaceLeaf, WRONG } from './fuzz-arbitraries.js'

/** An enum literal: a bare name in a document, a string in variables. */
export class EnumName {
  constructor(readonly name: string) {}
  toString(): string {
    return `EnumName(${this.name})`
  }
}

export interface GqlCase {
  args: Record<string, unknown>
  variables: boolean
  get: boolean
}

const pooled = (pools: Pools, name: string, base: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => {
  const real = pools[name]
  return real?.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...real) }, { weight: 2, arbitrary: base }) : base
}

function scalar(type: string, name: string, pools: Pools, strict: boolean): fc.Arbitrary<unknown> {
  // Well-typed includes the edges: any 32-bit Int, any date of years 0001–9999.
  const date = fc
    .oneof(
      fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
      fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
    )
    .map((d) => d.toISOString())
  switch (type) {
    case 'Int':
      if (strict) return pooled(pools, name, fc.oneof(fc.integer({ min: -5, max: 300 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })))
      return pooled(
        pools,
        name,
        fc.oneof(
          fc.integer({ min: -5, max: 300 }),
          fc.constantFrom(0, -1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1e20, 1.5),
          fc.integer(),
        ),
      )
    case 'Float':
      return fc.double({ noNaN: true, noDefaultInfinity: true })
    case 'Boolean':
      return fc.boolean()
    case 'DateTime':
      return pooled(pools, name, strict ? date : fc.oneof(date, fc.constantFrom(...HOSTILE_DATES), hostileString, fc.integer()))
    case 'JSON':
      return fc.jsonValue({ maxDepth: 2 })
    default: // String, ID
      return pooled(
        pools,
        name,
        fc.oneof(
          { weight: strict ? 1 : 3, arbitrary: hostileString },
          { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
          { weight: 1, arbitrary: fc.uuid() },
        ),
      )
  }
}

/** A value for an input type: `strict`, of the type (null where nullable); else also null where it is not, or a wrong type. */
export function inputArb(type: GraphQLInputType, name: string, pools: Pools, strict: boolean, depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) {
    const inner = valueArb(type.ofType, name, pools, strict, depth)
    return strict ? inner : fc.oneof({ weight: 15, arbitrary: inner }, { weight: 1, arbitrary: fc.constant(null) })
  }
  // An explicit null is well-typed wherever the type is nullable.
  return fc.oneof({ weight: 6, arbitrary: valueArb(type, name, pools, strict, depth) }, { weight: 1, arbitrary: fc.constant(null) })
}

function valueArb(type: GraphQLInputType, name: string, pools: Pools, strict: boolean, depth: number): fc.Arbitrary<unknown> {
  if (depth > 4) return fc.constant(null)
  let main: fc.Arbitrary<unknown>
  if (isListType(type)) {
    const item = inputArb(type.ofType, name, pools, strict, depth + 1)
    main = strict
      ? fc.array(item, { maxLength: 4 })
      : fc.oneof({ weight: 6, arbitrary: fc.array(item, { maxLength: 4 }) }, { weight: 1, arbitrary: item })
  } else if (isEnumType(type)) {
    const values = type.getValues().map((v) => v.name)
    const valid = fc.constantFrom(...values).map((v) => new EnumName(v))
    main = strict
      ? valid
      : fc.oneof(
          { weight: 6, arbitrary: valid },
          { weight: 1, arbitrary: fc.constantFrom(...values.map((v) => v.toLowerCase()), 'X', '_', 'null_').map((v) => new EnumName(v)) },
          { weight: 1, arbitrary: fc.constantFrom(...values) },
        )
  } else if (isInputObjectType(type)) {
    const fields = pooled(pools, type.name, argsArb(Object.values(type.getFields()), pools, strict, depth + 1))
    main = strict
      ? fields
      : fc
          .tuple(fields, fc.option(fc.constantFrom('bogus', 'x_'), { nil: undefined, freq: 6 }))
          .map(([v, extra]) => (extra ? { ...(v as object), [extra]: 1 } : v))
  } else main = scalar((type as { name: string }).name, name, pools, strict)
  return strict ? main : fc.oneof({ weight: 10, arbitrary: main }, { weight: 1, arbitrary: fc.constantFrom(...WRONG) })
}

/** Arguments (or input fields): required ones nearly always present, optional ones half the time. */
export function argsArb(
  args: ReadonlyArray<{ name: string; type: GraphQLInputType }>,
  pools: Pools,
  strict: boolean,
  depth = 0,
): fc.Arbitrary<Record<string, unknown>> {
  const entries = args.map((a) => {
    const value = inputArb(a.type, a.name, pools, strict, depth)
    return [
      a.name,
      strict && isNonNullType(a.type) ? value : fc.option(value, { nil: undefined, freq: isNonNullType(a.type) ? 20 : 2 }),
    ] as const
  })
  return fc.record(Object.fromEntries(entries)).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)))
}

const safeName = (k: string): string => (/^[_A-Za-z][_0-9A-Za-z]*$/.test(k) ? k : `_${k.replace(/\W/g, '_')}`)

/** `v` as a GraphQL literal (strings JSON-escaped: a lone surrogate becomes \uD800, which GraphQL refuses). */
export function literal(v: unknown): string {
  if (v instanceof EnumName) return v.name
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'string') return JSON.stringify(v)
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e21 ? BigInt(v).toString() : String(v)
  if (typeof v === 'boolean') return String(v)
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${safeName(k)}: ${literal(x)}`)
    .join(', ')}}`
}

/** `v` as a variable's JSON value. */
export function variable(v: unknown): unknown {
  if (v instanceof EnumName) return v.name
  if (Array.isArray(v)) return v.map(variable)
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, variable(x)]))
  return v
}

/** __typename and the scalar leaves of the type, objects nested up to three levels, unions through inline fragments. */
export function selection(type: GraphQLOutputType, depth = 0): string {
  const named = getNamedType(type)
  if (isLeafType(named)) return ''
  if (isUnionType(named))
    return `{ __typename ${named
      .getTypes()
      .map((t) => `... on ${t.name} ${selection(t, depth)}`)
      .join(' ')} }`
  const parts = ['__typename']
  for (const f of Object.values((named as GraphQLObjectType).getFields())) {
    if (f.args.some((a) => isNonNullType(a.type))) continue
    if (isLeafType(getNamedType(f.type))) parts.push(f.name)
    else if (depth < 3) parts.push(`${f.name} ${selection(f.type, depth + 1)}`)
  }
  return `{ ${parts.join(' ')} }`
}

/** The document (and variables) that calls `field` of the `operation` root with `c.args`. */
export function document(
  operation: 'query' | 'mutation',
  field: GraphQLField<unknown, unknown>,
  c: GqlCase,
): { query: string; variables?: Record<string, unknown> } {
  const given = Object.entries(c.args)
  const sel = selection(field.type)
  if (!c.variables || !given.length) {
    const args = given.length ? `(${given.map(([k, v]) => `${k}: ${literal(v)}`).join(', ')})` : ''
    return { query: `${operation} { ${field.name}${args} ${sel} }` }
  }
  const types = new Map(field.args.map((a) => [a.name, String(a.type)]))
  const defs = given.map(([k]) => `$${k}: ${types.get(k)}`).join(', ')
  return {
    query: `${operation} Fuzz(${defs}) { ${field.name}(${given.map(([k]) => `${k}: $${k}`).join(', ')}) ${sel} }`,
    variables: Object.fromEntries(given.map(([k, v]) => [k, variable(v)])),
  }
}

/** Cases well-typed throughout (so they reach the resolvers), well-typed but for one hostile value, or hostile anywhere. */
export function gqlCaseArb(field: GraphQLField<unknown, unknown>, pools: Pools): fc.Arbitrary<GqlCase> {
  const valid = argsArb(field.args, pools, true)
  const leaf = fc.oneof(
    { weight: 4, arbitrary: hostileValue },
    { weight: 1, arbitrary: fc.constantFrom('x', 'null_', 'APPROVE_').map((n) => new EnumName(n)) },
  )
  const one = fc
    .tuple(valid, fc.nat(), leaf)
    .map(([v, i, bad]) => (Object.keys(v).length ? (replaceLeaf(v, i, () => bad) as Record<string, unknown>) : v))
  return fc.record({
    args: fc.oneof(
      { weight: 2, arbitrary: valid },
      { weight: 3, arbitrary: one },
      { weight: 1, arbitrary: argsArb(field.args, pools, false) },
    ),
    variables: fc.boolean(),
    get: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  })
}
