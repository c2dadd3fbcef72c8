import { isIPv4, isIPv6 } from 'node:net'
import { addDays, formatLondonDateTime, londonDate } from '../domain/clock.js'

/**
 * Wrong passwords are counted per account and per network they come from, so a flood of guesses
 * from one place pauses sign-in from that place only and never locks the owner out elsewhere.
 */
export const lockAfterFailures = 5
export const firstLockMinutes = 15
export const longestLockMinutes = 24 * 60
/** A password check still unfinished after this long has ended without an answer. */
export const checksSettleSeconds = 60
/** A network quiet this long starts afresh: its failures and past locks are forgotten. */
export const forgetFailuresAfterHours = 48

/** Each lock in a row lasts twice as long as the one before: 15 minutes, 30, an hour … a day at most. */
export function lockMinutes(locksBefore: number): number {
  return Math.min(longestLockMinutes, firstLockMinutes * 2 ** Math.max(0, Math.min(locksBefore, 16)))
}

/**
 * The network an attempt came from: an IPv4 address, or the /64 an IPv6 address is in (one
 * subscriber usually holds a whole /64, so counting single IPv6 addresses would count nothing).
 */
export function signInNetwork(ip: string | undefined): string {
  const address = (ip ?? '').trim().split('%')[0] ?? ''
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)?.[1]
  if (mapped && isIPv4(mapped)) return mapped
  if (isIPv4(address)) return address
  if (isIPv6(address)) return `${ipv6Groups(address).slice(0, 4).join(':')}::/64`
  return 'unknown'
}

function ipv6Groups(address: string): string[] {
  let text = address.toLowerCase()
  const tail = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text)?.[1]
  if (tail) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number)
    text = `${text.slice(0, -tail.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head = '', rest] = text.split('::')
  const before = head ? head.split(':') : []
  const after = rest ? rest.split(':') : []
  const groups =
    rest === undefined
      ? before
      : [...before, ...Array<string>(8 - before.length - after.length).fill('0'), ...after]
  return groups.map((group) => parseInt(group, 16).toString(16))
}

/**
 * When a member of staff can try signing in again, in words and London time: "in 15 minutes, at
 * 10:15am", "in 2 hours, at 9:30am tomorrow".
 */
export function tryAgainWhen(now: Date, until: Date): string {
  const minutes = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 60_000))
  const [day = '', time = ''] = formatLondonDateTime(until).split(', ')
  const today = londonDate(now)
  const on =
    londonDate(until) === today ? '' : londonDate(until) === addDays(today, 1) ? ' tomorrow' : ` on ${day}`
  return `in ${durationInWords(minutes)}, at ${time}${on}`
}

function durationInWords(minutes: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`
  if (minutes < 60) return plural(minutes, 'minute')
  const hours = Math.floor(minutes / 60)
  const rest = minutes % 60
  return rest === 0 ? plural(hours, 'hour') : `${plural(hours, 'hour')} and ${plural(rest, 'minute')}`
}
