// Record body schemas (schema/records/*.json): the fixtures validate, deliberately broken bodies are rejected at the
// broken field, and every schema compiles under Ajv strict mode with only the gateway's two x-icacn keywords added.
import fs from 'node:fs'
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { describe, expect, it } from 'vitest'
import { RECORD_TYPES, recordFixtures, type RecordType } from '../fixtures/records.js'

const schemaDir = new URL('../../schema/records/', import.meta.url)
const BASE_ID = 'https://icacn.example/schema/records/'

const LABELS = new Set([
  'narrative',
  'name',
  'alias',
  'dob',
  'nationality',
  'phone',
  'email',
  'telegram',
  'onion',
  'wallet',
  'passport',
  'national_id',
  'bank_account',
  'vehicle',
  'address',
  'location',
  'route',
  'concealment',
  'quantity',
  'substance',
  'date',
  'associate',
  'organization',
  'role',
  'transaction',
  'exchange',
  'source_note',
  'photo_ref',
  'url',
  'status',
])

type JsonSchema = Record<string, unknown>

const schemaFiles = fs
  .readdirSync(schemaDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
const schemas: ReadonlyMap<string, JsonSchema> = new Map(
  schemaFiles.map((f) => [f, JSON.parse(fs.readFileSync(new URL(f, schemaDir), 'utf8')) as JsonSchema]),
)

function newAjv(withGatewayKeywords = true): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true })
  ;(addFormats as unknown as (a: Ajv2020) => void)(ajv)
  if (withGatewayKeywords) {
    ajv.addKeyword({ keyword: 'x-icacn-disclose-items', schemaType: 'boolean' })
    ajv.addKeyword({ keyword: 'x-icacn-label', schemaType: 'string' })
  }
  for (const schema of schemas.values()) ajv.addSchema(schema)
  return ajv
}

const ajv = newAjv()

function validatorFor(type: RecordType) {
  const validate = ajv.getSchema(`${BASE_ID}${type}.json`)
  if (!validate) throw new Error(`no schema registered for ${type}`)
  return validate
}

function typeSchema(type: RecordType): JsonSchema & { properties: Record<string, JsonSchema>; required: string[] } {
  const schema = schemas.get(`${type}.json`)
  if (!schema) throw new Error(`schema/records/${type}.json is missing`)
  return schema as JsonSchema & { properties: Record<string, JsonSchema>; required: string[] }
}

const firstBody = (type: RecordType): Record<string, unknown> => {
  const fixture = recordFixtures[type][0]
  if (!fixture) throw new Error(`no fixture for ${type}`)
  return structuredClone(fixture.body)
}

describe('record schema files', () => {
  it('are exactly common.json plus one file per record type', () => {
    expect(schemaFiles).toEqual(['common.json', ...RECORD_TYPES.map((t) => `${t}.json`)].sort())
  })

  it.each([...RECORD_TYPES])('%s.json has the required header, a closed object and a small required list', (type) => {
    const schema = typeSchema(type)
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema')
    expect(schema.$id).toBe(`${BASE_ID}${type}.json`)
    expect(typeof schema.title).toBe('string')
    expect(schema.type).toBe('object')
    expect(schema.additionalProperties).toBe(false)
    expect(schema.required.length).toBeGreaterThanOrEqual(1)
    expect(schema.required.length).toBeLessThanOrEqual(3)
    for (const field of schema.required) expect(schema.properties).toHaveProperty(field)
  })

  it.each([...RECORD_TYPES])('%s.json labels every top-level property and marks only element lists for per-item disclosure', (type) => {
    for (const [field, prop] of Object.entries(typeSchema(type).properties)) {
      expect(LABELS.has(prop['x-icacn-label'] as string), `${type}.${field} label ${String(prop['x-icacn-label'])}`).toBe(true)
      if (!('x-icacn-disclose-items' in prop)) continue
      expect(prop['x-icacn-disclose-items'], `${type}.${field}`).toBe(true)
      expect(prop.type, `${type}.${field} is marked for per-item disclosure`).toBe('array')
      expect(prop['x-icacn-label'], `${type}.${field}`).not.toBe('route')
      expect(['number', 'integer']).not.toContain((prop.items as JsonSchema | undefined)?.type)
    }
  })

  it('compiles every schema under strict mode once the two gateway keywords are registered', () => {
    const strict = newAjv()
    for (const file of schemaFiles) {
      expect(() => strict.getSchema(`${BASE_ID}${file}`), file).not.toThrow()
      expect(strict.getSchema(`${BASE_ID}${file}`), file).toBeTypeOf('function')
    }
  })

  it('does not compile under strict mode without the gateway keywords (so they are the only exception)', () => {
    const bare = newAjv(false)
    expect(() => bare.getSchema(`${BASE_ID}person.json`)).toThrow(/x-icacn-/)
  })
})

describe('record fixtures', () => {
  it('cover every type, at least two per type (three for person), from all six originators', () => {
    expect(Object.keys(recordFixtures).sort()).toEqual([...RECORD_TYPES].sort())
    for (const type of RECORD_TYPES) {
      const fixtures = recordFixtures[type]
      expect(fixtures.length, type).toBeGreaterThanOrEqual(type === 'person' ? 3 : 2)
      expect(new Set(fixtures.map((f) => f.originator)).size, `${type} originators`).toBeGreaterThanOrEqual(2)
    }
    const originators = new Set(RECORD_TYPES.flatMap((t) => recordFixtures[t].map((f) => f.originator)))
    expect([...originators].sort()).toEqual(['KH', 'KR', 'LA', 'PH', 'TH', 'VN'])
  })

  const cases = RECORD_TYPES.flatMap((type) =>
    recordFixtures[type].map((fixture, i) => ({ label: `${type}[${i}] from ${fixture.originator}`, type, body: fixture.body })),
  )
  it.each(cases)('$label validates against its schema', ({ type, body }) => {
    const validate = validatorFor(type)
    const ok = validate(body)
    expect(validate.errors ?? [], ajv.errorsText(validate.errors)).toEqual([])
    expect(ok).toBe(true)
  })

  // Every object anywhere in the fixtures, depth first.
  function* objects(value: unknown): Generator<Record<string, unknown>> {
    if (Array.isArray(value)) for (const v of value) yield* objects(v)
    else if (value && typeof value === 'object') {
      yield value as Record<string, unknown>
      for (const v of Object.values(value)) yield* objects(v)
    }
  }
  const names = [...objects(recordFixtures)].filter((o) => typeof o.native === 'string' && typeof o.script === 'string') as {
    native: string
    script: string
  }[]
  const phones = [...objects(recordFixtures)].filter((o) => typeof o.number === 'string' && o.number.startsWith('+')) as {
    number: string
    raw?: string
  }[]

  const scriptPattern: Record<string, RegExp> = {
    Hang: /^[\p{Script=Hangul}\s]+$/u,
    Thai: /^[\p{Script=Thai}\s]+$/u,
    Laoo: /^[\p{Script=Lao}\s]+$/u,
    Khmr: /^[\p{Script=Khmer}\s]+$/u,
    Latn: /^[\p{Script=Latin}\p{M}\s.,'-]+$/u,
    Mymr: /^[\p{Script=Myanmar}\s]+$/u,
    Hans: /^\p{Script=Han}+$/u,
    Hant: /^\p{Script=Han}+$/u,
    Cyrl: /^[\p{Script=Cyrillic}\s-]+$/u,
  }

  it('write native names in their declared script, Thai/Lao/Khmer/Burmese ones with their combining marks', () => {
    expect(names.length).toBeGreaterThan(10)
    for (const { native, script } of names) {
      expect(native, script).toMatch(scriptPattern[script] ?? /(?!)/)
      if (['Thai', 'Laoo', 'Khmr', 'Mymr'].includes(script)) expect(native, script).toMatch(/\p{M}/u)
    }
    expect(new Set(names.map((n) => n.script))).toEqual(new Set(['Hang', 'Thai', 'Laoo', 'Khmr', 'Latn', 'Mymr', 'Hans', 'Hant', 'Cyrl']))
  })

  it('use mobile numbers in each country’s real format, with raw the same number in national format', () => {
    // China and Russia have no national format with a leading 0 (their fixtures give no raw).
    const mobile =
      /^\+(8210[0-9]{8}|668[0-9]{8}|85620[0-9]{8}|849[0-9]{8}|85512[0-9]{6}|639[0-9]{9}|959[0-9]{8,9}|861[3-9][0-9]{9}|8869[0-9]{8}|79[0-9]{9})$/
    expect(phones.length).toBeGreaterThanOrEqual(6)
    for (const { number, raw } of phones) {
      expect(number).toMatch(mobile)
      if (raw === undefined) continue
      expect(raw, number).toMatch(/^0[0-9 -]+$/)
      const national = raw.replace(/[^0-9]/g, '').slice(1)
      expect(
        ['82', '66', '856', '84', '855', '63', '95', '886'].map((cc) => `+${cc}${national}`),
        raw,
      ).toContain(number)
    }
  })
})

interface Broken {
  what: string
  mutate: (body: Record<string, unknown>) => void
  instancePath: string
  keyword: string
  params?: Record<string, unknown>
}

const at = (body: Record<string, unknown>, ...path: (string | number)[]): Record<string, unknown> =>
  path.reduce<Record<string, unknown>>((o, k) => (o as Record<string | number, unknown>)[k] as Record<string, unknown>, body)

const broken: Record<RecordType, Broken[]> = {
  lead: [
    {
      what: 'unknown property',
      mutate: (b) => {
        b.informantName = 'x'
      },
      instancePath: '',
      keyword: 'additionalProperties',
      params: { additionalProperty: 'informantName' },
    },
    {
      what: 'summary is a number',
      mutate: (b) => {
        b.summary = 42
      },
      instancePath: '/summary',
      keyword: 'type',
    },
    {
      what: 'status not in enum',
      mutate: (b) => {
        b.status = 'open'
      },
      instancePath: '/status',
      keyword: 'enum',
    },
    {
      what: 'reportedAt is not a real date-time',
      mutate: (b) => {
        b.reportedAt = '2024-06-31T09:40:00+09:00'
      },
      instancePath: '/reportedAt',
      keyword: 'format',
    },
    {
      what: 'reportedAt has no time zone',
      mutate: (b) => {
        b.reportedAt = '2024-06-03T09:40:00'
      },
      instancePath: '/reportedAt',
      keyword: 'format',
    },
    {
      what: 'language is not a BCP 47 tag',
      mutate: (b) => {
        b.language = 'Korean'
      },
      instancePath: '/language',
      keyword: 'pattern',
    },
    {
      what: 'grading credibility out of scale',
      mutate: (b) => {
        at(b, 'grading').credibility = '7'
      },
      instancePath: '/grading/credibility',
      keyword: 'enum',
    },
  ],
  person: [
    {
      what: 'unknown property',
      mutate: (b) => {
        b.religion = 'x'
      },
      instancePath: '',
      keyword: 'additionalProperties',
      params: { additionalProperty: 'religion' },
    },
    {
      what: 'names is an object, not an array',
      mutate: (b) => {
        b.names = { native: '박성호', script: 'Hang' }
      },
      instancePath: '/names',
      keyword: 'type',
    },
    {
      what: 'names is empty',
      mutate: (b) => {
        b.names = []
      },
      instancePath: '/names',
      keyword: 'minItems',
    },
    {
      what: 'script not in enum',
      mutate: (b) => {
        at(b, 'names', 0).script = 'Hani'
      },
      instancePath: '/names/0/script',
      keyword: 'enum',
    },
    {
      what: 'dob in local format',
      mutate: (b) => {
        b.dob = '14/03/1978'
      },
      instancePath: '/dob',
      keyword: 'format',
    },
    {
      what: 'phone number with letters',
      mutate: (b) => {
        at(b, 'phones', 0).number = 'call 010-4728-1935'
      },
      instancePath: '/phones/0/number',
      keyword: 'pattern',
    },
    {
      what: 'telegram handle too short',
      mutate: (b) => {
        b.telegramHandles = ['@bp']
      },
      instancePath: '/telegramHandles/0',
      keyword: 'pattern',
    },
    {
      what: 'passport number lower case',
      mutate: (b) => {
        at(b, 'passports', 0).number = 'm48291736'
      },
      instancePath: '/passports/0/number',
      keyword: 'pattern',
    },
    {
      what: 'passport country alpha-2',
      mutate: (b) => {
        at(b, 'passports', 0).country = 'KR'
      },
      instancePath: '/passports/0/country',
      keyword: 'pattern',
    },
    {
      what: 'role not in enum',
      mutate: (b) => {
        b.role = 'kingpin'
      },
      instancePath: '/role',
      keyword: 'enum',
    },
  ],
  organization: [
    {
      what: 'unknown property',
      mutate: (b) => {
        b.leader = 'x'
      },
      instancePath: '',
      keyword: 'additionalProperties',
      params: { additionalProperty: 'leader' },
    },
    {
      what: 'countries is a string',
      mutate: (b) => {
        b.countries = 'TH'
      },
      instancePath: '/countries',
      keyword: 'type',
    },
    {
      what: 'kind not in enum',
      mutate: (b) => {
        b.kind = 'cartel'
      },
      instancePath: '/kind',
      keyword: 'enum',
    },
    {
      what: 'website is not a URI',
      mutate: (b) => {
        b.websites = ['ponleumeas trading']
      },
      instancePath: '/websites/0',
      keyword: 'format',
    },
    {
      what: 'base latitude out of range',
      mutate: (b) => {
        at(b, 'bases', 0).lat = 120
      },
      instancePath: '/bases/0/lat',
      keyword: 'maximum',
    },
    {
      what: 'base has lat without lon',
      mutate: (b) => {
        delete at(b, 'bases', 0).lon
      },
      instancePath: '/bases/0',
      keyword: 'dependentRequired',
    },
  ],
  telegram_channel: [
    {
      what: 'unknown property',
      mutate: (b) => {
        b.owner = 'x'
      },
      instancePath: '',
      keyword: 'additionalProperties',
      params: { additionalProperty: 'owner' },
    },
    {
      what: 'subscriberCount is a string',
      mutate: (b) => {
        b.subscriberCount = '3812'
      },
      instancePath: '/subscriberCount',
      keyword: 'type',
    },
    {
      what: 'handle without @',
      mutate: (b) => {
        b.handle = 'hangsach_saigon247'
      },
      instancePath: '/handle',
      keyword: 'pattern',
    },
    {
      what: 'firstSeen month 13',
      mutate: (b) => {
        b.firstSeen = '2023-13-04'
      },
      instancePath: '/firstSeen',
      keyword: 'format',
    },
    {
      what: 'price list substance not in enum',
      mutate: (b) => {
        at(b, 'pricesListed', 0).substance = 'ice'
      },
      instancePath: '/pricesListed/0/substance',
      keyword: 'enum',
    },
    {
      what: 'neither handle nor invite link',
      mutate: (b) => {
        delete b.handle
      },
      instancePath: '',
      keyword: 'required',
      params: { missingProperty: 'inviteLink' },
    },
    {
      what: 'invite link is a public link',
      mutate: (b) => {
        b.inviteLink = 'https://t.me/hangsach_saigon247'
      },
      instancePath: '/inviteLink',
      keyword: 'pattern',
    },
  ],
  darkweb_site: [
    {
      what: 'unknown property',
      mutate: (b) => {
        b.adminEmail = 'x'
      },
      instancePath: '',
      keyword: 'additionalProperties',
      params: { additionalProperty: 'adminEmail' },
    },
    {
      what: 'v2 onion address',
      mutate: (b) => {
        b.onionAddress = 'abcdefghij234567.onion'
      },
      instancePath: '/onionAddress',
      keyword: 'pattern',
    },
    {
      what: 'vendorNames is a string',
      mutate: (b) => {
        b.vendorNames = 'IceKing_KR'
      },
      instancePath: '/vendorNames',
      keyword: 'type',
    },
    {
      what: 'status not in enum',
      mutate: (b) => {
        b.status = 'down'
      },
      instancePath: '/status',
      keyword: 'enum',
    },
    {
      what: 'shipping region is a country name',
      mutate: (b) => {
        b.shippingRegions = ['Korea']
      },
      instancePath: '/shippingRegions/0',
      keyword: 'pattern',
    },
    {
      what: 'lastSeen is a date-time',
      mutate: (b) => {
        b.lastSeen = '2024-07-01T10:00:00Z'
      },
      instancePath: '/lastSeen',
      keyword: 'format',
    },
  ],
  crypto_wallet: [
    {
      what: 'unknown property',
      mutate: (b) => {
        b.owner = 'x'
      },
      instancePath: '',
      keyword: 'additionalProperties',
      params: { additionalProperty: 'owner' },
    },
    {
      what: 'chain not in enum',
      mutate: (b) => {
        b.chain = 'solana'
      },
      instancePath: '/chain',
      keyword: 'enum',
    },
    {
      what: 'TRON address on bitcoin',
      mutate: (b) => {
        b.chain = 'bitcoin'
      },
      instancePath: '/address',
      keyword: 'pattern',
    },
    {
      what: 'transactionCount is a string',
      mutate: (b) => {
        b.transactionCount = '412'
      },
      instancePath: '/transactionCount',
      keyword: 'type',
    },
    {
      what: 'firstSeen is a bare date',
      mutate: (b) => {
        b.firstSeen = '2023-09-12'
      },
      instancePath: '/firstSeen',
      keyword: 'format',
    },
    {
      what: 'attribution confidence not in enum',
      mutate: (b) => {
        at(b, 'attributedTo', 0).confidence = 'certain'
      },
      instancePath: '/attributedTo/0/confidence',
      keyword: 'enum',
    },
  ],
  crypto_transfer: [
    {
      what: 'unknown property',
      mutate: (b) => {
        b.memo = 'x'
      },
      instancePath: '',
      keyword: 'additionalProperties',
      params: { additionalProperty: 'memo' },
    },
    {
      what: 'amount is a string',
      mutate: (b) => {
        b.amount = '48500'
      },
      instancePath: '/amount',
      keyword: 'type',
    },
    {
      what: 'amount is zero',
      mutate: (b) => {
        b.amount = 0
      },
      instancePath: '/amount',
      keyword: 'exclusiveMinimum',
    },
    {
      what: 'asset not in enum',
      mutate: (b) => {
        b.asset = 'BNB'
      },
      instancePath: '/asset',
      keyword: 'enum',
    },
    {
      what: 'txHash too short',
      mutate: (b) => {
        b.txHash = '9d092d5f95383f7e43a12a884d50f0a1'
      },
      instancePath: '/txHash',
      keyword: 'pattern',
    },
    {
      what: 'timestamp without time zone',
      mutate: (b) => {
        b.timestamp = '2024-05-14T08:31:27'
      },
      instancePath: '/timestamp',
      keyword: 'format',
    },
    {
      what: 'TRON address declared as ethereum',
      mutate: (b) => {
        at(b, 'from').chain = 'ethereum'
      },
      instancePath: '/from/address',
      keyword: 'pattern',
    },
    {
      what: 'BTC on the TRON chain',
      mutate: (b) => {
        at(b, 'to').asset = 'BTC'
      },
      instancePath: '/to/asset',
      keyword: 'enum',
    },
  ],
  shipment: [
    {
      what: 'unknown property',
      mutate: (b) => {
        b.vesselName = 'x'
      },
      instancePath: '',
      keyword: 'additionalProperties',
      params: { additionalProperty: 'vesselName' },
    },
    {
      what: 'container number missing its check digit',
      mutate: (b) => {
        b.containerNumber = 'ADFU482173'
      },
      instancePath: '/containerNumber',
      keyword: 'pattern',
    },
    {
      what: 'substance not in enum',
      mutate: (b) => {
        b.substance = 'yaba'
      },
      instancePath: '/substance',
      keyword: 'enum',
    },
    {
      what: 'quantity amount is a string',
      mutate: (b) => {
        at(b, 'quantity').amount = '48'
      },
      instancePath: '/quantity/amount',
      keyword: 'type',
    },
    {
      what: 'quantity unit not in enum',
      mutate: (b) => {
        at(b, 'quantity').unit = 'tonnes'
      },
      instancePath: '/quantity/unit',
      keyword: 'enum',
    },
    {
      what: 'departureDate 31 April',
      mutate: (b) => {
        b.departureDate = '2024-04-31'
      },
      instancePath: '/departureDate',
      keyword: 'format',
    },
    {
      what: 'route with a single waypoint',
      mutate: (b) => {
        b.route = (b.route as unknown[]).slice(0, 1)
      },
      instancePath: '/route',
      keyword: 'minItems',
    },
    {
      what: 'route without an origin',
      mutate: (b) => {
        at(b, 'route', 0).role = 'transit'
      },
      instancePath: '/route',
      keyword: 'contains',
    },
    {
      what: 'route with two destinations',
      mutate: (b) => {
        at(b, 'route', 1).role = 'destination'
      },
      instancePath: '/route',
      keyword: 'contains',
    },
    {
      what: 'waypoint longitude out of range',
      mutate: (b) => {
        at(b, 'route', 2, 'place').lon = 228.8
      },
      instancePath: '/route/2/place/lon',
      keyword: 'maximum',
    },
  ],
  seizure: [
    {
      what: 'unknown property',
      mutate: (b) => {
        b.officerName = 'x'
      },
      instancePath: '',
      keyword: 'additionalProperties',
      params: { additionalProperty: 'officerName' },
    },
    {
      what: 'place without coordinates',
      mutate: (b) => {
        delete at(b, 'place').lat
        delete at(b, 'place').lon
      },
      instancePath: '/place',
      keyword: 'required',
      params: { missingProperty: 'lat' },
    },
    {
      what: 'personsArrested is fractional',
      mutate: (b) => {
        b.personsArrested = 2.5
      },
      instancePath: '/personsArrested',
      keyword: 'type',
    },
    {
      what: 'date in prose',
      mutate: (b) => {
        b.date = '16 May 2024'
      },
      instancePath: '/date',
      keyword: 'format',
    },
    {
      what: 'status not in enum',
      mutate: (b) => {
        b.status = 'pending'
      },
      instancePath: '/status',
      keyword: 'enum',
    },
    {
      what: 'unknown property inside quantity',
      mutate: (b) => {
        at(b, 'quantity').purity = 0.92
      },
      instancePath: '/quantity',
      keyword: 'additionalProperties',
      params: { additionalProperty: 'purity' },
    },
  ],
}

describe('broken record bodies', () => {
  it('cover every type with an unknown property, a wrong type, a bad enum and a bad format or pattern', () => {
    for (const type of RECORD_TYPES) {
      const keywords = new Set(broken[type].map((b) => b.keyword))
      expect(keywords.has('additionalProperties'), type).toBe(true)
      expect(keywords.has('type'), type).toBe(true)
      expect(keywords.has('enum'), type).toBe(true)
      expect(keywords.has('format') || keywords.has('pattern'), type).toBe(true)
    }
  })

  const cases = RECORD_TYPES.flatMap((type) => broken[type].map((b) => ({ ...b, type })))
  it.each(cases)('$type: $what is rejected at $instancePath ($keyword)', ({ type, mutate, instancePath, keyword, params }) => {
    const body = firstBody(type)
    mutate(body)
    const validate = validatorFor(type)
    expect(validate(body)).toBe(false)
    const errors: ErrorObject[] = validate.errors ?? []
    const hit = errors.find(
      (e) =>
        e.instancePath === instancePath &&
        e.keyword === keyword &&
        Object.entries(params ?? {}).every(([k, v]) => (e.params as Record<string, unknown>)[k] === v),
    )
    expect(hit, `expected ${keyword} at "${instancePath}", got ${ajv.errorsText(errors)}`).toBeDefined()
  })
})
