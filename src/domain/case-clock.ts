import {
  daysBetween,
  extensionNoticeLimit,
  formatLongDate,
  pausedDaysBetween,
  responseDeadline,
  type Deadline,
  type IsoDate,
} from './clock.js'

/** Why a case waits for the person: clarification pauses the clock; identity or a fee restarts it. */
export type PauseKind = 'clarification' | 'identity' | 'fee'

/** What the case remembers about its clock. Everything else is derived. */
export interface CaseClock {
  clockStartOn: IsoDate
  /** Clarification days already counted out (asked and answered both included). */
  pausedDays: number
  extended: boolean
  pause: { kind: PauseKind; since: IsoDate } | null
  /** The day the request arrived: it decides the rules the deadline is explained under. */
  receivedOn?: IsoDate
}

export type ClockPhase = 'running' | 'paused' | 'waiting'

export interface ClockView {
  phase: ClockPhase
  /** Undefined while the clock is paused or waiting to restart. */
  deadline?: Deadline
  /** The one-month deadline, for comparison once extended. */
  originalDue: IsoDate
  /** The last day an extension can be notified (the unmoved one-month date). */
  extensionNoticeBy: IsoDate
  canExtend: boolean
  /** Clarification days so far, including the open pause up to today. */
  pausedDaysToDate: number
  summary: string
}

/** The state of a case's statutory clock on a given London date. */
export function clockView(clock: CaseClock, today: IsoDate): ClockView {
  const extensionNoticeBy = extensionNoticeLimit(clock.clockStartOn)
  const originalDue = responseDeadline({ start: clock.clockStartOn, pausedDays: clock.pausedDays }).due
  const canExtend =
    !clock.extended &&
    clock.pause?.kind !== 'identity' &&
    clock.pause?.kind !== 'fee' &&
    today <= extensionNoticeBy
  if (clock.pause?.kind === 'clarification') {
    const soFar = clock.pausedDays + pausedDaysBetween(clock.pause.since, today)
    return {
      phase: 'paused',
      originalDue,
      extensionNoticeBy,
      canExtend,
      pausedDaysToDate: soFar,
      summary: `Paused since ${formatLongDate(clock.pause.since)} while we wait for clarification. The deadline moves by the days paused.`,
    }
  }
  if (clock.pause) {
    return {
      phase: 'waiting',
      originalDue,
      extensionNoticeBy,
      canExtend: false,
      pausedDaysToDate: clock.pausedDays,
      summary: `Waiting since ${formatLongDate(clock.pause.since)} for ${clock.pause.kind === 'identity' ? 'proof of identity' : 'the fee'}. The time limit starts again from the day it arrives.`,
    }
  }
  const deadline = responseDeadline({
    start: clock.clockStartOn,
    extended: clock.extended,
    pausedDays: clock.pausedDays,
    ...(clock.receivedOn ? { receivedOn: clock.receivedOn } : {}),
  })
  return {
    phase: 'running',
    deadline,
    originalDue,
    extensionNoticeBy,
    canExtend,
    pausedDaysToDate: clock.pausedDays,
    summary: deadline.explanation,
  }
}

export class ClockRuleError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ClockRuleError'
  }
}

/** Pauses (clarification) or stops (identity, fee) the clock from the day the question is asked. */
export function askPerson(clock: CaseClock, kind: PauseKind, askedOn: IsoDate): CaseClock {
  if (clock.pause) throw new ClockRuleError('The case is already waiting for the person')
  if (askedOn < clock.clockStartOn) throw new ClockRuleError('Cannot ask before the clock started')
  return { ...clock, pause: { kind, since: askedOn } }
}

/**
 * The answer arrives. Clarification: the paused days (both ends included) are added and the clock
 * runs on. Identity or fee: the clock starts again from the day of arrival (the relevant time).
 */
export function answerArrived(clock: CaseClock, arrivedOn: IsoDate): CaseClock {
  if (!clock.pause) throw new ClockRuleError('The case is not waiting for the person')
  if (arrivedOn < clock.pause.since) throw new ClockRuleError('The answer cannot arrive before the question')
  if (clock.pause.kind === 'clarification') {
    return {
      ...clock,
      pausedDays: clock.pausedDays + pausedDaysBetween(clock.pause.since, arrivedOn),
      pause: null,
    }
  }
  return { clockStartOn: arrivedOn, pausedDays: 0, extended: clock.extended, pause: null }
}

/**
 * The clock as the case closes. Closing while waiting for clarification counts the days waited,
 * as if the answer had come that day, so the deadline the answer is measured against is the one
 * the queue showed. A clock stopped for identity or a fee stays stopped: it never restarted.
 */
export function closeClock(clock: CaseClock, closedOn: IsoDate): CaseClock {
  if (clock.pause?.kind === 'clarification' && closedOn >= clock.pause.since) {
    return answerArrived(clock, closedOn)
  }
  return clock
}

/** Extends to three months from the same start, only while the first month runs. */
export function extend(clock: CaseClock, today: IsoDate): CaseClock {
  if (clock.extended) throw new ClockRuleError('The time limit has already been extended')
  const limit = extensionNoticeLimit(clock.clockStartOn)
  if (today > limit) {
    throw new ClockRuleError(
      `The first month ended on ${formatLongDate(limit)}: an extension had to be notified by then`,
    )
  }
  if (clock.pause && clock.pause.kind !== 'clarification') {
    throw new ClockRuleError('The clock is stopped until proof of identity or the fee arrives')
  }
  return { ...clock, extended: true }
}

/** The due date stored for sorting the queue: while paused, the date as if answered today. */
export function dueForQueue(clock: CaseClock, today: IsoDate): IsoDate {
  if (clock.pause?.kind === 'clarification') {
    const pausedDays = clock.pausedDays + pausedDaysBetween(clock.pause.since, today)
    return responseDeadline({ start: clock.clockStartOn, extended: clock.extended, pausedDays }).due
  }
  if (clock.pause) return responseDeadline({ start: today, extended: clock.extended }).due
  return responseDeadline({
    start: clock.clockStartOn,
    extended: clock.extended,
    pausedDays: clock.pausedDays,
  }).due
}

/** How far into its clock a request is before asking for identity or a fee deserves a warning. */
export const lateAskAfterDays = 7

/**
 * Asking for proof of identity or a fee stops the clock, and the month starts again from the day
 * it arrives: asked late, the person waits far longer. Null while asking costs them little.
 */
export function lateAskWarning(clock: CaseClock, today: IsoDate): string | null {
  if (clock.pause) return null
  const days = daysBetween(clock.clockStartOn, today)
  if (days <= lateAskAfterDays) return null
  return `The clock started ${days} days ago. Asking for proof of identity or a fee now stops it, and the month starts again from the day they arrive. Ask only if you have a real doubt, and say why.`
}
