// Selectors: the identifiers (phones, handles, wallets, documents…) that leads are matched on.
// A selector's `value` is canonical, so two members' records about the same thing compare equal.

export const SELECTOR_KINDS = [
  'phone',
  'email',
  'telegram',
  'onion',
  'crypto',
  'passport',
  'national_id',
  'bank_account',
  'vehicle',
  'url',
  'domain',
] as const

export type SelectorKind = (typeof SELECTOR_KINDS)[number]

export interface Selector {
  kind: SelectorKind
  /** Canonical form; equality and matching use this and nothing else. */
  value: string
}

/** What the originator knows that the raw text does not say. */
export interface SelectorContext {
  /** ISO 3166-1 alpha-2 of the originating member, e.g. 'TH'; national-format phones need it. */
  region?: string
  /** bitcoin | ethereum | tron | bsc | polygon; detected from the address form when absent. */
  chain?: string
}

/**
 * A selector that cannot be normalised. `kind` is null only when parseSelectorQuery could not
 * tell what kind of selector the text was meant to be.
 */
export class SelectorError extends Error {
  constructor(
    readonly kind: SelectorKind | null,
    message: string,
  ) {
    super(message)
    this.name = 'SelectorError'
  }
}

export function isSelectorKind(x: unknown): x is SelectorKind {
  return typeof x === 'string' && (SELECTOR_KINDS as readonly string[]).includes(x)
}
