// Document selectors: passports, national ids, bank accounts and vehicle plates. Numbers are
// written with arbitrary spacing and case, so the canonical value is the compacted upper-case form
// prefixed by the issuing country, since the same number in two countries is two documents.
import { compactIdentifier, countryCode, requireObject, requireString } from './selector.input.js'
import { SelectorError, type Selector, type SelectorKind } from './selector.model.js'

// After compaction. Letters, marks and digits of any script (Thai plates carry vowel and tone
// marks); `/` appears in some national id formats.
const DOCUMENT_NUMBER = /^[\p{L}\p{N}\p{M}/]{1,40}$/u
const ACCOUNT_NUMBER = /^[A-Z0-9]{1,40}$/

export function normalisePassport(raw: unknown): Selector {
  const o = fields('passport', raw, 'country', 'number')
  const country = issuingCountry('passport', o.country)
  return { kind: 'passport', value: `passport:${country}:${documentNumber('passport', o.number, 'passport number')}` }
}

/** `kind` (e.g. 'thai_id_card') is informative only: one country's number space is not split by it. */
export function normaliseNationalId(raw: unknown): Selector {
  const o = fields('national_id', raw, 'country', 'number')
  const country = issuingCountry('national_id', o.country)
  return {
    kind: 'national_id',
    value: `national_id:${country}:${documentNumber('national_id', o.number, 'national id number')}`,
  }
}

export function normaliseBankAccount(raw: unknown, region: string | undefined): Selector {
  const o = fields('bank_account', raw, 'country', 'accountNumber')
  const country = placeOf('bank_account', o.country, region, 'bank account country')
  const number = compactIdentifier(requireString('bank_account', o.accountNumber, 'account number'))
  if (!ACCOUNT_NUMBER.test(number)) {
    throw new SelectorError('bank_account', `account number may hold only letters A–Z and digits, got "${number}"`)
  }
  return { kind: 'bank_account', value: `bank:${country}:${number}` }
}

/**
 * A vehicle object without a plate (make and colour only, say) is not a selector, and a value
 * without the plate would match every such vehicle: this throws, so callers that may hold
 * plate-less vehicles check `plate` first (as selector.extract.ts does).
 */
export function normaliseVehicle(raw: unknown, region: string | undefined): Selector {
  const o = fields('vehicle', raw, 'registrationCountry', 'plate')
  if (o.plate === undefined || o.plate === null || o.plate === '') {
    throw new SelectorError('vehicle', 'vehicle has no plate, so it is not a selector')
  }
  const country = placeOf('vehicle', o.registrationCountry, region, 'registration country')
  const plate = compactIdentifier(requireString('vehicle', o.plate, 'plate'), true)
  if (!DOCUMENT_NUMBER.test(plate)) throw new SelectorError('vehicle', `plate may hold only letters and digits, got "${plate}"`)
  return { kind: 'vehicle', value: `plate:${country}:${plate}` }
}

/**
 * Records carry objects; a search box carries text, so `KOR:M12345678` (country, colon, number;
 * the country optional where it is for the object too) or the canonical value itself stands in.
 */
function fields(kind: SelectorKind, raw: unknown, countryKey: string, numberKey: string): Record<string, unknown> {
  if (typeof raw !== 'string') return requireObject(kind, raw)
  const m = /^(?:(?:passport|national_id|bank|plate):)?(?:([A-Za-z]{2,3}):)?(.*)$/su.exec(raw.trim())
  return { [countryKey]: m?.[1], [numberKey]: m?.[2] }
}

function issuingCountry(kind: SelectorKind, raw: unknown): string {
  const country = countryCode(kind, raw, 3, 'issuing country (ISO 3166-1 alpha-3)')
  if (country === undefined) throw new SelectorError(kind, 'issuing country is missing')
  return country
}

function documentNumber(kind: SelectorKind, raw: unknown, what: string): string {
  const number = compactIdentifier(requireString(kind, raw, what))
  if (!DOCUMENT_NUMBER.test(number)) throw new SelectorError(kind, `${what} may hold only letters and digits, got "${number}"`)
  return number
}

/** Explicit country, else the originator's region, else '??' (unplaced but still matchable). */
function placeOf(kind: SelectorKind, explicit: unknown, region: string | undefined, what: string): string {
  return countryCode(kind, explicit, 2, `${what} (ISO 3166-1 alpha-2)`) ?? countryCode(kind, region, 2, 'region') ?? '??'
}
