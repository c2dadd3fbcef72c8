import { addCalendarMonths, addDays, type IsoDate } from './clock.js'

/**
 * A closed request keeps the requester's contact details for a number of calendar months after
 * the London date it closed, inclusive like every other retention period: closed on 10 January
 * with 24 months, kept through 10 January two years on and removed from the 11th.
 */
export function contactKeptUntil(closedOn: IsoDate, months: number): IsoDate {
  return addCalendarMonths(closedOn, months)
}

export function contactPurgeDue(closedOn: IsoDate, months: number, today: IsoDate): boolean {
  return today > contactKeptUntil(closedOn, months)
}

/**
 * A date no request closed on or after can be due today: a cheap bound for the query, with a few
 * days' margin for month-end clamping and the London date of a UTC instant. The exact rule above
 * decides each request.
 */
export function contactPurgeBound(months: number, today: IsoDate): IsoDate {
  return addDays(addCalendarMonths(today, -months), 3)
}
