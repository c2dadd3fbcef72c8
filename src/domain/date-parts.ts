import { isIsoDate, type IsoDate } from './clock.js'

/** A date as typed into the GOV.UK date input: day, month and year boxes. */
export interface DateParts {
  day: string
  month: string
  year: string
}

export type DatePart = keyof DateParts

export type DatePartsResult =
  { kind: 'empty' } | { kind: 'date'; date: IsoDate } | { kind: 'error'; text: string; items: DatePart[] }

const partNames: DatePart[] = ['day', 'month', 'year']

/** The three boxes named prefix-day, prefix-month and prefix-year, trimmed; anything else is empty. */
export function datePartsOf(input: Record<string, unknown>, prefix: string): DateParts {
  const text = (name: string) => {
    const value = input[`${prefix}-${name}`]
    return typeof value === 'string' ? value.trim() : ''
  }
  return { day: text('day'), month: text('month'), year: text('year') }
}

export function isBlankDate(parts: DateParts): boolean {
  return partNames.every((p) => parts[p] === '')
}

/**
 * A date from the three boxes, with the GOV.UK wording when it is not one: which box is missing,
 * a year without four numbers, or a date that does not exist (31 February).
 */
export function parseDateParts(parts: DateParts, label: string): DatePartsResult {
  if (isBlankDate(parts)) return { kind: 'empty' }
  const missing = partNames.filter((p) => parts[p] === '')
  if (missing.length > 0) {
    const words = missing.length === 1 ? `a ${missing[0]}` : `a ${missing[0]} and ${missing[1]}`
    return { kind: 'error', text: `${label} must include ${words}`, items: missing }
  }
  const notNumbers = partNames.filter((p) => !/^\d+$/.test(parts[p]))
  if (notNumbers.length > 0) {
    return { kind: 'error', text: `${label} must be a real date, like 27 3 2026`, items: notNumbers }
  }
  if (parts.year.length !== 4) {
    return { kind: 'error', text: 'Year must include 4 numbers', items: ['year'] }
  }
  const date = `${parts.year}-${parts.month.padStart(2, '0')}-${parts.day.padStart(2, '0')}`
  if (!isIsoDate(date)) {
    return {
      kind: 'error',
      text: `${label} must be a real date, like 27 3 2026`,
      items: ['day', 'month', 'year'],
    }
  }
  return { kind: 'date', date }
}

/** A "received from … to …" pair of date inputs, as the queue and the dashboard filter by. */
export interface DateRangeInput {
  values: { from: DateParts; to: DateParts }
  range: { from?: IsoDate; to?: IsoDate }
  errors: { field: 'from' | 'to'; href: string; text: string }[]
  /** The boxes to mark for each date in error. */
  errorItems: { from?: DatePart[]; to?: DatePart[] }
}

export function parseDateRange(
  input: Record<string, unknown>,
  labels: { from: string; to: string } = { from: 'Received from', to: 'Received to' },
): DateRangeInput {
  const result: DateRangeInput = {
    values: { from: datePartsOf(input, 'from'), to: datePartsOf(input, 'to') },
    range: {},
    errors: [],
    errorItems: {},
  }
  for (const name of ['from', 'to'] as const) {
    const parsed = parseDateParts(result.values[name], labels[name])
    if (parsed.kind === 'error') {
      result.errors.push({ field: name, href: `#${name}-${parsed.items[0] ?? 'day'}`, text: parsed.text })
      result.errorItems[name] = parsed.items
    } else if (parsed.kind === 'date') {
      result.range[name] = parsed.date
    }
  }
  const { from, to } = result.range
  if (from && to && from > to) {
    result.errors.push({
      field: 'to',
      href: '#to-day',
      text: `${labels.to} must be the same as or after ${labels.from.toLowerCase()}`,
    })
    result.errorItems.to = ['day', 'month', 'year']
  }
  return result
}
