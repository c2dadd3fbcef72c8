import { daysBetween } from './clock.js'

export type Urgency = 'overdue' | 'due_soon' | 'on_track'

/** "Due soon" is 7 days or fewer (SPEC §5); overdue is past the due date. */
export const dueSoonDays = 7

export function urgency(dueOn: string, today: string): { daysLeft: number; urgency: Urgency } {
  const daysLeft = daysBetween(today, dueOn)
  return {
    daysLeft,
    urgency: daysLeft < 0 ? 'overdue' : daysLeft <= dueSoonDays ? 'due_soon' : 'on_track',
  }
}

export function describeDaysLeft(daysLeft: number): string {
  if (daysLeft < 0) return `${-daysLeft} ${-daysLeft === 1 ? 'day' : 'days'} overdue`
  if (daysLeft === 0) return 'Due today'
  return `${daysLeft} ${daysLeft === 1 ? 'day' : 'days'} left`
}

/** What the request queue can be sorted by, each in both directions. */
export const queueSorts = [
  'due-asc',
  'due-desc',
  'received-desc',
  'received-asc',
  'reference-asc',
  'reference-desc',
] as const
export type QueueSort = (typeof queueSorts)[number]
export type QueueSortKey = 'due' | 'received' | 'reference'

export const queueSortLabels: Record<QueueSort, string> = {
  'due-asc': 'Due date, nearest first',
  'due-desc': 'Due date, furthest first',
  'received-desc': 'Received, newest first',
  'received-asc': 'Received, oldest first',
  'reference-asc': 'Reference, lowest first',
  'reference-desc': 'Reference, highest first',
}

export type QueueTabName = 'open' | 'closed' | 'unconfirmed'

/**
 * The sorts each tab offers: a deadline matters only while a request is open, and a request not
 * yet confirmed has no reference.
 */
export function queueSortsFor(tab: QueueTabName): readonly QueueSort[] {
  if (tab === 'open') return queueSorts
  if (tab === 'closed') return ['received-desc', 'received-asc', 'reference-asc', 'reference-desc']
  return ['received-desc', 'received-asc']
}

/** Open requests nearest deadline first (SPEC §5); the others newest first. */
export function defaultQueueSort(tab: QueueTabName): QueueSort {
  return tab === 'open' ? 'due-asc' : 'received-desc'
}

/** The sort asked for, when the tab offers it; otherwise the tab's default. */
export function parseQueueSort(raw: unknown, tab: QueueTabName): QueueSort {
  const offered = queueSortsFor(tab)
  return offered.find((s) => s === raw) ?? defaultQueueSort(tab)
}

export function sortParts(sort: QueueSort): { key: QueueSortKey; direction: 'asc' | 'desc' } {
  const [key, direction] = sort.split('-') as [QueueSortKey, 'asc' | 'desc']
  return { key, direction }
}

/**
 * A reference search, from what staff typed: a whole reference ("dsr-2026-00004") to look up
 * exactly, or a part of one ("00004", "2026-0004", "DSR-2026") to look for anywhere in it.
 */
export type ReferenceSearch = { exact: string } | { part: string }

const wholeReference = /^DSR-\d{4}-\d{5,7}$/
const referencePart = /^(?:D|DS|DSR|DSR-)?[\d-]*\d[\d-]*$|^DSR-?$/

export function referenceSearchOf(typed: string): ReferenceSearch | undefined {
  const text = typed.trim().toUpperCase()
  if (wholeReference.test(text)) return { exact: text }
  if (text.length >= 2 && text.length <= 20 && referencePart.test(text)) return { part: text }
  return undefined
}

/**
 * How many requests a tab holds under the filters shown: exact where the database keeps the count
 * (no filter, or only type and study), otherwise counted no further than `queueCountCap`, beyond
 * which the queue says "more than 1,000" rather than read every matching request.
 */
export interface QueueCount {
  n: number
  /** Whether there are more than `n` (then `n` is the cap). */
  more: boolean
}

export const queueCountCap = 1000

/** A count taken no further than one past the cap. */
export function cappedCount(found: number): QueueCount {
  return found > queueCountCap ? { n: queueCountCap, more: true } : { n: found, more: false }
}

const wholeNumber = new Intl.NumberFormat('en-GB')

/** "312", "12,480", or "more than 1,000". */
export function describeCount(count: QueueCount): string {
  return count.more ? `more than ${wholeNumber.format(count.n)}` : wholeNumber.format(count.n)
}

/** Where a page of the queue sits in its tab: "Showing 26 to 50 of 312". */
export function describePosition(start: number, shown: number, total: QueueCount): string {
  const of = describeCount(total)
  if (shown === 0) return `Showing 0 of ${of}`
  // A count that stopped at the cap says nothing of where a page beyond it ends.
  const first = total.more ? start + 1 : Math.min(start + 1, total.n)
  const last = total.more ? start + shown : Math.min(start + shown, total.n)
  return `Showing ${wholeNumber.format(first)} to ${wholeNumber.format(last)} of ${of}`
}

/** The flags a queue row carries besides its status: replies unread, the clock paused, and so on. */
export function queueFlags(row: {
  unreadReplies: number
  paused: boolean
  extended: boolean
  restricted: boolean
}): string[] {
  const flags: string[] = []
  if (row.unreadReplies > 0) flags.push(`Replied (${row.unreadReplies})`)
  if (row.paused) flags.push('Clock paused')
  if (row.extended) flags.push('Extended')
  if (row.restricted) flags.push('Restricted')
  return flags
}
