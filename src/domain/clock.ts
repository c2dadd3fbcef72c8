import Holidays from 'date-holidays'

/** A London calendar date, `YYYY-MM-DD`: the unit the statutory clock counts in. */
export type IsoDate = string

const dayMs = 24 * 60 * 60 * 1000
const isoPattern = /^(\d{4})-(\d{2})-(\d{2})$/

/** Art. 12A (Data (Use and Access) Act 2025) applies to requests received from this day. */
export const article12ACommencement: IsoDate = '2026-02-05'

export function isIsoDate(value: string): boolean {
  const match = isoPattern.exec(value)
  if (!match) return false
  const [, y, m, d] = match.map(Number) as [number, number, number, number]
  const date = new Date(Date.UTC(y, m - 1, d))
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d
}

function toUtc(date: IsoDate): Date {
  if (!isIsoDate(date)) throw new RangeError(`Not a date: ${date}`)
  return new Date(`${date}T00:00:00Z`)
}

function fromUtc(date: Date): IsoDate {
  return date.toISOString().slice(0, 10)
}

const londonFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
})

/** The calendar date in London at an instant: 23:30 UTC on a summer day is already the next day. */
export function londonDate(instant: Date): IsoDate {
  return londonFormat.format(instant)
}

/** The instant a London calendar day begins: 00:00 GMT in winter, 23:00 UTC the day before in summer. */
export function startOfLondonDay(date: IsoDate): Date {
  const utcMidnight = toUtc(date).getTime()
  const anHourEarlier = new Date(utcMidnight - 60 * 60 * 1000)
  return londonDate(anHourEarlier) === date ? anHourEarlier : new Date(utcMidnight)
}

export function addDays(date: IsoDate, days: number): IsoDate {
  return fromUtc(new Date(toUtc(date).getTime() + days * dayMs))
}

/** Whole days from a to b (negative when b is earlier). */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  return Math.round((toUtc(b).getTime() - toUtc(a).getTime()) / dayMs)
}

/** The same day of the month n months later, or that month's last day if it is shorter. */
export function addCalendarMonths(date: IsoDate, months: number): IsoDate {
  const start = toUtc(date)
  const targetMonth = start.getUTCMonth() + months
  const lastDay = new Date(Date.UTC(start.getUTCFullYear(), targetMonth + 1, 0)).getUTCDate()
  return fromUtc(
    new Date(Date.UTC(start.getUTCFullYear(), targetMonth, Math.min(start.getUTCDate(), lastDay))),
  )
}

const englandAndWales = new Holidays('GB', 'ENG')
const holidaysByYear = new Map<number, Set<IsoDate>>()

/**
 * England and Wales bank holidays of a year. date-holidays lists a holiday that falls on a weekend
 * beside its substitute weekday; only weekdays close offices, so weekend entries are dropped.
 */
export function bankHolidays(year: number): Set<IsoDate> {
  let dates = holidaysByYear.get(year)
  if (!dates) {
    dates = new Set(
      englandAndWales
        .getHolidays(year)
        .filter((holiday) => holiday.type === 'public')
        .map((holiday) => holiday.date.slice(0, 10))
        .filter((date) => !isWeekend(date)),
    )
    holidaysByYear.set(year, dates)
  }
  return dates
}

function isWeekend(date: IsoDate): boolean {
  const day = toUtc(date).getUTCDay()
  return day === 0 || day === 6
}

export function isBankHoliday(date: IsoDate): boolean {
  return bankHolidays(Number(date.slice(0, 4))).has(date)
}

export function isWorkingDay(date: IsoDate): boolean {
  return !isWeekend(date) && !isBankHoliday(date)
}

export function nextWorkingDayOnOrAfter(date: IsoDate): IsoDate {
  let day = date
  while (!isWorkingDay(day)) day = addDays(day, 1)
  return day
}

export type RulesRegime = 'art12(3)' | 'art12A'

/** The rules a request is answered under follow the day it was received, not when its clock started. */
export function rulesRegime(receivedOn: IsoDate): RulesRegime {
  return receivedOn < article12ACommencement ? 'art12(3)' : 'art12A'
}

const regimeCitation: Record<RulesRegime, string> = {
  'art12(3)': 'Art. 12(3) UK GDPR',
  art12A: 'Art. 12A UK GDPR',
}

/** The relevant time: the latest of receipt, identity confirmed and fee paid. */
export function relevantTime(dates: {
  receivedOn: IsoDate
  identityConfirmedOn?: IsoDate | null
  feePaidOn?: IsoDate | null
}): IsoDate {
  return [dates.receivedOn, dates.identityConfirmedOn, dates.feePaidOn]
    .filter((d): d is IsoDate => typeof d === 'string')
    .reduce((latest, d) => (d > latest ? d : latest))
}

/** Clarification days do not count; asked and answered are both included. */
export function pausedDaysBetween(askedOn: IsoDate, answeredOn: IsoDate): number {
  return daysBetween(askedOn, answeredOn) + 1
}

export interface Deadline {
  due: IsoDate
  /** The date before moving off a weekend or bank holiday. */
  calendarDate: IsoDate
  rolledForward: boolean
  regime: RulesRegime
  explanation: string
}

const weekdayFormat = new Intl.DateTimeFormat('en-GB', { weekday: 'long', timeZone: 'UTC' })
const longFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
})

export function formatLongDate(date: IsoDate): string {
  return longFormat.format(toUtc(date))
}

const dateTimeFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  hourCycle: 'h12',
})

/** An instant as people in the UK read it: "1 December 2026, 6:58pm" in London time. */
export function formatLondonDateTime(instant: string | Date): string {
  const parts = dateTimeFormat.formatToParts(typeof instant === 'string' ? new Date(instant) : instant)
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? ''
  const period = part('dayPeriod').toLowerCase().replace(/\./g, '').replace(/\s/g, '')
  return `${part('day')} ${part('month')} ${part('year')}, ${part('hour')}:${part('minute')}${period}`
}

function dayDescription(date: IsoDate): string {
  if (isWeekend(date)) return `a ${weekdayFormat.format(toUtc(date))}`
  return 'a bank holiday'
}

/**
 * The statutory response deadline: one calendar month from the start (three when extended, always
 * from the same start), clamped to the month's end, moved by any clarification days, then on to
 * the next working day if it falls on a weekend or England and Wales bank holiday.
 */
export function responseDeadline(input: {
  start: IsoDate
  extended?: boolean
  pausedDays?: number
  /** The day the request arrived, which decides the rules it is answered under; the start if omitted. */
  receivedOn?: IsoDate
}): Deadline {
  const months = input.extended ? 3 : 1
  const pausedDays = input.pausedDays ?? 0
  const calendarDate = addDays(addCalendarMonths(input.start, months), pausedDays)
  const due = nextWorkingDayOnOrAfter(calendarDate)
  const regime = rulesRegime(input.receivedOn ?? input.start)
  const parts = [
    `${months === 1 ? 'One calendar month' : 'Three calendar months'} from ${formatLongDate(input.start)} (${regimeCitation[regime]}${input.extended ? ', extended' : ''})`,
  ]
  if (pausedDays > 0)
    parts.push(`plus ${pausedDays} ${pausedDays === 1 ? 'day' : 'days'} waiting for clarification`)
  let explanation = `${parts.join(', ')}: ${formatLongDate(calendarDate)}`
  if (due !== calendarDate) {
    explanation += `, which is ${dayDescription(calendarDate)}, so the next working day, ${formatLongDate(due)}`
  }
  return { due, calendarDate, rolledForward: due !== calendarDate, regime, explanation: `${explanation}.` }
}

/** The person must hear of an extension by the unmoved one-month date. */
export function extensionNoticeLimit(start: IsoDate): IsoDate {
  return addCalendarMonths(start, 1)
}
