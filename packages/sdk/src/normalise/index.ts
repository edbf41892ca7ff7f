// The selector and name normalisers the gateway indexes with: a partner computes exactly the value
// the gateway stores and searches for. Versioned: a change to any output bumps NORMALISER_VERSION.
export const NORMALISER_VERSION = 1

export { type Selector, type SelectorContext, SelectorError, type SelectorKind, SELECTOR_KINDS, isSelectorKind } from './selector.model.js'
export { normaliseSelector, parseSelectorQuery } from './selector.normalise.js'
export { extractNames, nameLexemes, nameQuery, nameTexts, nameWords, NAME_LABELS, MAX_QUERY_WORDS } from './name.normalise.js'
