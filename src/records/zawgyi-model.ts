// Google's Zawgyi detector and Zawgyi-to-Unicode converter (npm myanmar-tools, Apache-2.0), loaded
// from the package's own trained model and rule files. The published 1.2.0 tarball lacks the build
// its index.js requires (build_node/), so this runs the algorithm of its src/*.ts on its resources.
import fs from 'node:fs'
import { createRequire } from 'node:module'
import vm from 'node:vm'

export interface ZawgyiModel {
  /** P(Zawgyi | Zawgyi or Unicode), 0 to 1; -Infinity when the text has no Myanmar-range code point. */
  probability(text: string): number
  /** The text converted from Zawgyi to Unicode (meaningful only for Zawgyi text). */
  toUnicode(text: string): string
}

const resource = (name: string) => createRequire(import.meta.url).resolve(`myanmar-tools/resources/${name}`)

// The model's states: one per code point of these ranges (Myanmar, after the digits, Extended A and
// B, and space-like when the model says so), state 0 for everything else (src/zawgyi_detector.ts).
const RANGES: ReadonlyArray<readonly [lo: number, hi: number, spaceLike?: boolean]> = [
  [0x1000, 0x103f],
  [0x104a, 0x109f],
  [0xaa60, 0xaa7f],
  [0xa9e0, 0xa9ff],
  [0x2000, 0x200b, true],
]

function stateOf(cp: number, withSpaces: boolean): number {
  let offset = 1
  for (const [lo, hi, spaceLike] of RANGES) {
    if (cp >= lo && cp <= hi && (!spaceLike || withSpaces)) return offset + cp - lo
    offset += hi - lo + 1
  }
  return 0
}

function expectTag(view: DataView, at: number, lead: number, trail: number): void {
  if (view.getUint32(at) !== lead || view.getUint32(at + 4) !== trail) throw new Error('myanmar-tools: unexpected Zawgyi model format')
}

/** Reads zawgyiUnicodeModel.dat: a header, then a Markov chain of log-probability differences. */
function loadDetector(bytes: Uint8Array): (text: string) => number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let at = 0
  expectTag(view, at, 0x555a4d4f, 0x44454c20) // "UZMODEL "
  const version = view.getUint32((at += 8))
  at += 4
  if (version !== 1 && version !== 2) throw new Error(`myanmar-tools: Zawgyi model version ${version}`)
  const withSpaces = version === 1 || view.getUint32(at) === 0
  if (version === 2) at += 4
  expectTag(view, at, 0x424d4152, 0x4b4f5620) // "BMARKOV "
  if (view.getUint32((at += 8)) !== 0) throw new Error('myanmar-tools: Markov chain version')
  const size = view.getInt16((at += 4))
  at += 2
  const delta = Array.from({ length: size }, () => new Float64Array(size))
  for (const row of delta) {
    let entries = view.getInt16(at)
    at += 2
    const fallback = entries === 0 ? 0 : view.getFloat32(at)
    if (entries !== 0) at += 4
    row.fill(fallback)
    for (; entries > 0; entries--, at += 6) row[view.getInt16(at)] = view.getFloat32(at + 2)
  }
  return (text) => {
    let prev = 0
    let total = 0
    let seen = false
    for (let i = 0; i <= text.length; i++) {
      const state = i === text.length ? 0 : stateOf(text.charCodeAt(i), withSpaces)
      if (prev !== 0 || state !== 0) {
        total += delta[prev]![state]!
        seen = true
      }
      prev = state
    }
    return seen ? 1 / (1 + Math.exp(total)) : Number.NEGATIVE_INFINITY
  }
}

interface Rule {
  p: RegExp
  s: string
  onlyAtStart: boolean
  revisit: boolean
}

/** Z2U.js is a script defining getAllRulesZ2U(): phases of anchored patterns and replacements. */
function loadRules(file: string): Rule[][] {
  const phases = vm.runInNewContext(`${fs.readFileSync(file, 'utf8')}\ngetAllRulesZ2U()`, {}, { filename: file }) as unknown
  if (!Array.isArray(phases) || !phases.every(Array.isArray)) throw new Error('myanmar-tools: unexpected Z2U rules')
  return (phases as unknown[][]).map((rules) =>
    rules.map((r) => {
      const { p, s, matchOnStart, revisit } = r as {
        p: { source: unknown; flags: unknown }
        s: unknown
        matchOnStart?: unknown
        revisit?: unknown
      }
      if (typeof p?.source !== 'string' || typeof p.flags !== 'string' || typeof s !== 'string')
        throw new Error('myanmar-tools: unexpected Z2U rule')
      return { p: new RegExp(p.source, p.flags), s, onlyAtStart: matchOnStart != null, revisit: revisit != null } // our realm's RegExp
    }),
  )
}

/** One phase over the text, left to right, as runPhase in src/zawgyi_converter.ts. */
function runPhase(rules: Rule[], text: string): string {
  let out = ''
  let rest = text
  for (let atStart = true; rest.length > 0; atStart = false) {
    let matched = false
    for (const rule of rules) {
      if (rule.onlyAtStart && !atStart) continue
      const m = rule.p.exec(rest)
      if (!m) continue
      matched = true
      const right = rest.length - m[0].length
      rest = rest.replace(rule.p, rule.s)
      if (rule.revisit) continue
      out += rest.slice(0, rest.length - right)
      rest = rest.slice(rest.length - right)
    }
    if (!matched) {
      out += rest[0]
      rest = rest.slice(1)
    }
  }
  return out
}

/** Loads the model and the rules: a few milliseconds, so once per gateway, not per request. */
export function loadZawgyiModel(): ZawgyiModel {
  const detect = loadDetector(fs.readFileSync(resource('zawgyiUnicodeModel.dat')))
  const phases = loadRules(resource('Z2U.js'))
  return { probability: detect, toUnicode: (text) => phases.reduce((t, rules) => runPhase(rules, t), text) }
}
