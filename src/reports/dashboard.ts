import { addCalendarMonths, daysBetween, type IsoDate } from '../domain/clock.js'
import type { RequestLogRow } from './request-log.js'

/**
 * The auditor's dashboard figures (SPEC §6), computed from counts and from log rows streamed a page
 * at a time: nothing here holds more than a count per distinct value.
 */

export const daysLeftBands = [
  { key: 'overdue', label: 'Overdue' },
  { key: '0-7', label: '0 to 7 days' },
  { key: '8-14', label: '8 to 14 days' },
  { key: '15-30', label: '15 to 30 days' },
  { key: '31+', label: '31 days or more' },
  { key: 'stopped', label: 'Clock stopped' },
] as const

export type DaysLeftBand = (typeof daysLeftBands)[number]['key']

/** Where an open request stands against its statutory deadline; no deadline means the clock is stopped. */
export function daysLeftBand(statutoryDue: IsoDate | null, today: IsoDate): DaysLeftBand {
  if (!statutoryDue) return 'stopped'
  const left = daysBetween(today, statutoryDue)
  if (left < 0) return 'overdue'
  if (left <= 7) return '0-7'
  if (left <= 14) return '8-14'
  if (left <= 30) return '15-30'
  return '31+'
}

/** How many times each whole number of days occurs: enough for any percentile, in bounded memory. */
export type DaysHistogram = Map<number, number>

export function histogramOf(values: Iterable<number>): DaysHistogram {
  const histogram: DaysHistogram = new Map()
  for (const value of values) histogram.set(value, (histogram.get(value) ?? 0) + 1)
  return histogram
}

/**
 * The p-th percentile by the nearest-rank method: the smallest value with at least p% of all values
 * at or below it (rank ⌈p/100 × n⌉ in ascending order). Always one of the values; null when there
 * are none. The median is the 50th: of 1, 2, 3, 4 days it is 2 ("half were answered within 2 days").
 */
export function nearestRank(histogram: ReadonlyMap<number, number>, p: number): number | null {
  if (p <= 0 || p > 100) throw new RangeError(`Percentile must be above 0 and at most 100: ${p}`)
  let total = 0
  for (const count of histogram.values()) total += count
  if (total === 0) return null
  const rank = Math.ceil((p / 100) * total)
  let seen = 0
  for (const value of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(value) ?? 0
    if (seen >= rank) return value
  }
  /* c8 ignore next */
  return null
}

export interface AnsweredSummary {
  /** Completed or refused. */
  answered: number
  /** Answered with a deadline to compare against (all of them, unless one had no clock). */
  judged: number
  onTime: number
  late: number
  /** onTime / judged, or null when nothing was answered. */
  onTimeRate: number | null
  medianDays: number | null
  p90Days: number | null
}

/** Tallies answered requests one row at a time, for the on-time rate and days to answer. */
export function answeredTally() {
  const days: DaysHistogram = new Map()
  let answered = 0
  let onTime = 0
  let late = 0
  return {
    add(row: Pick<RequestLogRow, 'status' | 'days_taken' | 'on_time'>): void {
      if (row.status !== 'completed' && row.status !== 'refused') return
      answered += 1
      if (row.on_time === true) onTime += 1
      if (row.on_time === false) late += 1
      if (row.days_taken !== null) days.set(row.days_taken, (days.get(row.days_taken) ?? 0) + 1)
    },
    summary(): AnsweredSummary {
      const judged = onTime + late
      return {
        answered,
        judged,
        onTime,
        late,
        onTimeRate: judged === 0 ? null : onTime / judged,
        medianDays: nearestRank(days, 50),
        p90Days: nearestRank(days, 90),
      }
    },
  }
}

/** Counts open requests by band of days left. */
export function openTally(today: IsoDate) {
  const counts = new Map<DaysLeftBand, number>(daysLeftBands.map((b) => [b.key, 0]))
  return {
    add(row: Pick<RequestLogRow, 'due' | 'extended_due'>): void {
      const band = daysLeftBand(row.extended_due ?? row.due, today)
      counts.set(band, (counts.get(band) ?? 0) + 1)
    },
    bands(): { key: DaysLeftBand; label: string; count: number }[] {
      return daysLeftBands.map((b) => ({ key: b.key, label: b.label, count: counts.get(b.key) ?? 0 }))
    },
  }
}

/** Requests by month received (`YYYY-MM` of the London date), with the empty months in between. */
export function fillMonths(counts: readonly { month: string; count: number }[]): {
  month: string
  count: number
}[] {
  if (counts.length === 0) return []
  const byMonth = new Map(counts.map((c) => [c.month, c.count]))
  const sorted = [...byMonth.keys()].sort()
  const last = sorted.at(-1) as string
  const months: { month: string; count: number }[] = []
  for (let month = sorted[0] as string; month <= last; month = nextMonth(month)) {
    months.push({ month, count: byMonth.get(month) ?? 0 })
  }
  return months
}

function nextMonth(month: string): string {
  return addCalendarMonths(`${month}-01`, 1).slice(0, 7)
}

const monthNames = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]

export function monthLabel(month: string): { long: string; short: string; year: string } {
  const name = monthNames[Number(month.slice(5, 7)) - 1] ?? month
  return { long: `${name} ${month.slice(0, 4)}`, short: name.slice(0, 3), year: month.slice(0, 4) }
}

/** A rate as a whole percentage for people: 0.875 → "88%". */
export function percentage(rate: number | null): string {
  return rate === null ? '–' : `${Math.round(rate * 100)}%`
}

export interface OutcomeTimes {
  closed: number
  medianDays: number | null
  /** The mean to one decimal place. */
  meanDays: number | null
}

/** Tallies closed complaints one at a time, for the median and mean days from receipt to outcome. */
export function outcomeTimesTally() {
  const days: DaysHistogram = new Map()
  let closed = 0
  let total = 0
  return {
    add(receivedOn: IsoDate, closedOn: IsoDate): void {
      const taken = daysBetween(receivedOn, closedOn)
      closed += 1
      total += taken
      days.set(taken, (days.get(taken) ?? 0) + 1)
    },
    summary(): OutcomeTimes {
      return {
        closed,
        medianDays: nearestRank(days, 50),
        meanDays: closed === 0 ? null : Math.round((total / closed) * 10) / 10,
      }
    },
  }
}
