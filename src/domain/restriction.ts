import { addDays, formatLongDate, type IsoDate } from './clock.js'

/**
 * Lifting a restriction (Art. 18(3)): the person is told first, and the hold is lifted only once
 * the notice period has run from the day the notice went, unless the person agreed to it sooner.
 */

export const defaultRestrictionNoticeDays = 7

/** The first day the restriction may be lifted after a notice sent on `noticeOn`. */
export function liftableFrom(noticeOn: IsoDate, noticeDays: number): IsoDate {
  return addDays(noticeOn, noticeDays)
}

/** Why the restriction cannot be lifted today, or null when it can. */
export function liftProblem(input: {
  noticeOn: IsoDate | null
  today: IsoDate
  noticeDays: number
  personAgreed: boolean
}): { field: 'lift-agreed'; message: string } | null {
  if (!input.noticeOn) {
    return {
      field: 'lift-agreed',
      message: 'Send the person the notice first: a restriction is lifted only after they have been told',
    }
  }
  if (input.personAgreed) return null
  const from = liftableFrom(input.noticeOn, input.noticeDays)
  if (input.today < from) {
    return {
      field: 'lift-agreed',
      message: `The notice went on ${formatLongDate(input.noticeOn)}: the restriction can be lifted from ${formatLongDate(from)}, or sooner if the person agrees`,
    }
  }
  return null
}
