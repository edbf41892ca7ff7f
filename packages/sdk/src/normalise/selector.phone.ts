// Phone selectors: any written form (national or international) to E.164.
// The `max` metadata is used because `min` only checks lengths and accepts unallocated ranges.
import { ParseError, isSupportedCountry, parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js/max'
import { asciiDigits, countryCode, requireString } from './selector.input.js'
import { SelectorError, type Selector } from './selector.model.js'

const PARSE_REASONS: Record<string, string> = {
  INVALID_COUNTRY: 'national-format phone number needs the originator region (or write it as +<country code>…)',
  NOT_A_NUMBER: 'not a phone number',
  TOO_SHORT: 'phone number too short',
  TOO_LONG: 'phone number too long',
  INVALID_LENGTH: 'phone number has an invalid length',
}

export function normalisePhone(raw: unknown, region: string | undefined): Selector {
  const text = asciiDigits(requireString('phone', raw, 'phone number'))
  const defaultCountry = phoneRegion(region)
  let parsed
  try {
    parsed = parsePhoneNumberWithError(text, defaultCountry ? { defaultCountry } : {})
  } catch (e) {
    if (e instanceof ParseError) {
      throw new SelectorError('phone', `${PARSE_REASONS[e.message] ?? 'unparseable phone number'}: "${text}"`)
    }
    throw e
  }
  if (!parsed.isValid()) {
    throw new SelectorError('phone', `not a valid phone number for ${parsed.country ?? `+${parsed.countryCallingCode}`}: "${text}"`)
  }
  return { kind: 'phone', value: parsed.number }
}

function phoneRegion(region: string | undefined): CountryCode | undefined {
  const code = countryCode('phone', region, 2, 'region')
  if (code === undefined) return undefined
  if (!isSupportedCountry(code)) throw new SelectorError('phone', `region "${code}" has no phone numbering plan`)
  return code
}
