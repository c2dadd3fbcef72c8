import { createHmac } from 'node:crypto'

/** Trimmed, with the domain lower-cased: the local part is the mailbox owner's and left as typed. */
export function normaliseEmail(raw: string): string {
  const trimmed = raw.trim()
  const at = trimmed.lastIndexOf('@')
  if (at < 0) return trimmed
  return `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}`
}

// Deliberately simple: one @, no spaces or control characters, a dotted domain. Deliverability is
// proven by the confirmation link.
const emailPattern =
  /^[^\s@<>()[\]\\,;:"]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i
const controlCharacter = /\p{Cc}/u

export function isValidEmail(normalised: string): boolean {
  return normalised.length <= 254 && emailPattern.test(normalised) && !controlCharacter.test(normalised)
}

const keyedHash = (secret: string, text: string): string =>
  createHmac('sha256', secret).update(`email:${text}`).digest('hex')

/**
 * Every lookup by address goes through this keyed hash; the address itself is never searched.
 * It is taken over the case-folded address, because no real mail system delivers `Jane@x.org` and
 * `jane@x.org` to different people: the address is still stored and shown as it was typed.
 */
export function emailHmac(secret: string, normalised: string): string {
  return keyedHash(secret, normalised.toLowerCase())
}

/**
 * The key as it was before it was case-folded: only for finding rows keyed before that change
 * whose address is gone (an erased record's tombstone). Never use it to key a new row.
 */
export function legacyEmailHmac(secret: string, normalised: string): string {
  return keyedHash(secret, normalised)
}

/** True if a value looks like it holds an email address (used to keep them out of event payloads). */
export function containsEmailAddress(text: string): boolean {
  // Without an @ there is nothing to match, and the pattern would backtrack over every position.
  return text.includes('@') && /[^\s@]+@[^\s@]+\.[^\s@]+/.test(text)
}

/** Replaces anything that looks like an email address, for text kept after contact details go. */
export function redactEmailAddresses(text: string, replacement = '[address removed]'): string {
  return text.replace(/[^\s@"'<>(),;:]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z0-9-]*[A-Za-z0-9]/g, replacement)
}
