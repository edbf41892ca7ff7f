// Telegram selectors: usernames (case-insensitive on Telegram, so folded) and private invite
// links (the hash is case-sensitive, so kept; `+hash` and legacy `joinchat/hash` are one link).
import { requireString } from './selector.input.js'
import { SelectorError, type Selector } from './selector.model.js'

const USERNAME = /^[A-Za-z][A-Za-z0-9_]{4,31}$/
const INVITE_HASH = /^[A-Za-z0-9_-]{8,64}$/
const LINK = /^(?:https?:\/\/)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)\/(.*)$/i

/** True when the text is written as a Telegram reference (@handle or a t.me link). */
export function looksLikeTelegram(text: string): boolean {
  return text.startsWith('@') || LINK.test(text)
}

export function normaliseTelegram(raw: unknown): Selector {
  const text = requireString('telegram', raw, 'telegram handle')
  const link = LINK.exec(text)
  if (!link) return { kind: 'telegram', value: `tg:${username(text.startsWith('@') ? text.slice(1) : text)}` }

  // Query and fragment (?start=…, #…) never change which account or group a link points at.
  const path = (link[1] ?? '').replace(/[?#].*$/, '').replace(/\/+$/, '')
  const segments = path.split('/')
  const [first = '', second] = segments
  if (first.startsWith('+')) return { kind: 'telegram', value: invite(first.slice(1), segments.length) }
  if (first.toLowerCase() === 'joinchat') return { kind: 'telegram', value: invite(second ?? '', segments.length - 1) }
  // t.me/s/<handle> is the public web preview of the same channel; a post link
  // (t.me/<handle>/123) still names the channel. Anything deeper is not a reference.
  const [handle = '', postId, ...deeper] = first.toLowerCase() === 's' ? segments.slice(1) : segments
  if (deeper.length > 0 || (postId !== undefined && !/^\d+$/.test(postId))) {
    throw new SelectorError('telegram', `not a Telegram username or invite link: "${text}"`)
  }
  return { kind: 'telegram', value: `tg:${username(handle)}` }
}

function username(name: string): string {
  if (!USERNAME.test(name)) {
    throw new SelectorError('telegram', `bad Telegram username "${name}": 5–32 characters, a letter first, then letters, digits or _`)
  }
  return name.toLowerCase()
}

function invite(hash: string, segments: number): string {
  // t.me/+<digits> opens a chat with whoever owns that phone number: a phone, not a group.
  if (/^\d+$/.test(hash)) {
    throw new SelectorError('telegram', `t.me/+${hash} is a phone-number link; record it as a phone selector`)
  }
  if (segments !== 1 || !INVITE_HASH.test(hash)) {
    throw new SelectorError('telegram', `bad Telegram invite link hash "${hash}"`)
  }
  return `tg:+${hash}`
}
