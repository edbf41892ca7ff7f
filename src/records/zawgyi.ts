// Burmese in the legacy Zawgyi font encoding: the same code points as Unicode Burmese used for other
// letters, so it neither displays nor matches as Unicode. A record carrying it is refused (the
// gateway cannot convert signed bytes); a search query carrying it is converted.
import { loadZawgyiModel, type ZawgyiModel } from './zawgyi-model.js'

/** At or above this, text is taken to be Zawgyi (Google's detector; short Unicode names score far below). */
export const ZAWGYI_THRESHOLD = 0.95

// Myanmar, Myanmar Extended-A and -B: text without any of these cannot be Zawgyi.
const MYANMAR = /[\u1000-\u109f\ua9e0-\ua9ff\uaa60-\uaa7f]/u

/** RFC 6901: "~" and "/" in a key are escaped. */
const escapeKey = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1')

function isZawgyi(model: ZawgyiModel, text: string): boolean {
  return MYANMAR.test(text) && model.probability(text) >= ZAWGYI_THRESHOLD
}

function firstZawgyi(model: ZawgyiModel, value: unknown, pointer: string): string | undefined {
  if (typeof value === 'string') return isZawgyi(model, value) ? pointer : undefined
  if (typeof value !== 'object' || value === null) return undefined
  const entries: Array<[string, unknown]> = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value)
  for (const [key, v] of entries) {
    const found = firstZawgyi(model, v, `${pointer}/${escapeKey(key)}`)
    if (found) return found
  }
  return undefined
}

/** Checks a record body (field name → unwrapped value); answers the pointer of its first Zawgyi string. */
export type ZawgyiCheck = (body: Record<string, unknown>) => string | undefined

/**
 * The publish-time check, e.g. `/body/names/0/native` for a Zawgyi native name; undefined when no
 * string of the body is Zawgyi. Give it the gateway's one model: loading one costs a few milliseconds.
 */
export function createZawgyiCheck(model: ZawgyiModel = loadZawgyiModel()): ZawgyiCheck {
  return (body) => firstZawgyi(model, body, '/body')
}

/**
 * Free-text search input in Unicode: a query typed on a Zawgyi keyboard is converted, so it finds
 * the Unicode names it means; any other text is returned unchanged.
 */
export function toUnicodeQuery(text: string, model: ZawgyiModel): string {
  return isZawgyi(model, text) ? model.toUnicode(text) : text
}
