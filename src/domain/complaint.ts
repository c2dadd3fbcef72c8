import { addDays, daysBetween, formatLongDate, nextWorkingDayOnOrAfter, type IsoDate } from './clock.js'

/**
 * A complaint about how the organisation handles personal data (Data Protection Act 2018,
 * s.164A, in force from 19 June 2026): acknowledged within 30 days of receipt, counted from the
 * day after; answered without undue delay, against a target the organisation sets; and closed
 * with an outcome that always tells the person they can complain to the ICO.
 */

export const complaintSubjects = {
  request_handling: {
    label: 'How we handled a request about your data',
    hint: 'For example, a late answer, a refusal you disagree with, or an answer that left something out.',
  },
  data_use: {
    label: 'How the study uses your data',
    hint: 'For example, data you think we should not hold, or use you did not expect.',
  },
  breach: {
    label: 'A concern that your data was lost, shared or seen by someone it should not have been',
    hint: 'Tell us what you saw and when. If you think your data is at risk now, say so.',
  },
  other: { label: 'Something else about your personal data', hint: 'Anything else about how we handle it.' },
} as const

export type ComplaintSubject = keyof typeof complaintSubjects

export function isComplaintSubject(value: unknown): value is ComplaintSubject {
  return typeof value === 'string' && Object.hasOwn(complaintSubjects, value)
}

export const complaintStatuses = ['unconfirmed', 'open', 'closed', 'unverified'] as const
export type ComplaintStatus = (typeof complaintStatuses)[number]

export const complaintStatusInfo: Record<ComplaintStatus, { label: string; tagClass: string }> = {
  unconfirmed: { label: 'Not confirmed', tagClass: 'govuk-tag--grey' },
  open: { label: 'Open', tagClass: 'govuk-tag--blue' },
  closed: { label: 'Closed', tagClass: 'govuk-tag--green' },
  unverified: { label: 'Never confirmed', tagClass: 'govuk-tag--grey' },
}

export const complaintOutcomes = {
  upheld: 'Upheld',
  partly_upheld: 'Partly upheld',
  not_upheld: 'Not upheld',
} as const

export type ComplaintOutcome = keyof typeof complaintOutcomes

export function isComplaintOutcome(value: unknown): value is ComplaintOutcome {
  return typeof value === 'string' && Object.hasOwn(complaintOutcomes, value)
}

export const complaintChannels = {
  portal: 'Online form',
  email: 'Email',
  post: 'Post',
  phone: 'Phone',
} as const

export type ComplaintChannel = keyof typeof complaintChannels

export function isComplaintChannel(value: unknown): value is ComplaintChannel {
  return typeof value === 'string' && Object.hasOwn(complaintChannels, value)
}

/** The acknowledgement period (s.164A(3)) and the default response target, in days. */
export const acknowledgementDays = 30
export const defaultResponseTargetDays = 30

export interface ComplaintClock {
  receivedOn: IsoDate
  /** The 30th day counted from the day after receipt, moved to the next working day if it is not one. */
  acknowledgementDueOn: IsoDate
  /** The organisation's own target for the outcome: not a statutory deadline. */
  responseTargetOn: IsoDate
  /** How the acknowledgement date was worked out, in words. */
  explanation: string
}

/**
 * The complaint's clock from the London date it was received. The 30 days count from the day
 * after receipt (day 1), as the ICO reads s.164A; a last day that falls on a weekend or a bank
 * holiday in England and Wales moves to the next working day, as for requests.
 */
/**
 * The organisation's target for the outcome: the day its days end, moved to a working day as the
 * acknowledgement's is, so a target of 30 days never falls before the acknowledgement is due.
 */
function responseTarget(receivedOn: IsoDate, days: number): IsoDate {
  return nextWorkingDayOnOrAfter(addDays(receivedOn, days))
}

export function complaintClock(
  receivedOn: IsoDate,
  responseTargetDays = defaultResponseTargetDays,
): ComplaintClock {
  const dayOne = addDays(receivedOn, 1)
  const thirtieth = addDays(receivedOn, acknowledgementDays)
  const acknowledgementDueOn = nextWorkingDayOnOrAfter(thirtieth)
  const moved =
    acknowledgementDueOn === thirtieth
      ? ''
      : ` That day is not a working day, so it moves to the next working day, ${formatLongDate(acknowledgementDueOn)}.`
  return {
    receivedOn,
    acknowledgementDueOn,
    responseTargetOn: responseTarget(receivedOn, responseTargetDays),
    explanation: `Received on ${formatLongDate(receivedOn)}. Counting ${acknowledgementDays} days from the day after (day 1 is ${formatLongDate(dayOne)}), the acknowledgement is due by ${formatLongDate(thirtieth)}.${moved}`,
  }
}

export type AcknowledgementState =
  | { state: 'acknowledged'; on: IsoDate; onTime: boolean }
  | { state: 'due'; dueOn: IsoDate; daysLeft: number }
  | { state: 'overdue'; dueOn: IsoDate; daysLate: number }

/** Where the acknowledgement stands on a London date. */
export function acknowledgementState(
  clock: Pick<ComplaintClock, 'acknowledgementDueOn'>,
  acknowledgedOn: IsoDate | null,
  today: IsoDate,
): AcknowledgementState {
  if (acknowledgedOn) {
    return { state: 'acknowledged', on: acknowledgedOn, onTime: acknowledgedOn <= clock.acknowledgementDueOn }
  }
  if (today > clock.acknowledgementDueOn) {
    return {
      state: 'overdue',
      dueOn: clock.acknowledgementDueOn,
      daysLate: daysBetween(clock.acknowledgementDueOn, today),
    }
  }
  return {
    state: 'due',
    dueOn: clock.acknowledgementDueOn,
    daysLeft: daysBetween(today, clock.acknowledgementDueOn),
  }
}

/** A complaint as the services work with it. */
export interface Complaint {
  id: string
  reference: string | null
  studyId: string | null
  requestId: string | null
  subject: ComplaintSubject
  whatHappened: string | null
  desiredOutcome: string | null
  email: string | null
  requesterName: string | null
  status: ComplaintStatus
  channel: ComplaintChannel
  receivedOn: IsoDate | null
  acknowledgementDueOn: IsoDate | null
  acknowledgedOn: IsoDate | null
  responseTargetOn: IsoDate | null
  outcome: ComplaintOutcome | null
  outcomeChanges: string | null
  closedOn: IsoDate | null
  assigneeId: string | null
  contactRemovedAt: string | null
  version: number
  createdAt: string
  updatedAt: string
}

/** The paragraph every outcome letter ends with: the person may take the complaint to the ICO. */
export const icoParagraph =
  'If you are not satisfied with our response, you can complain to the Information Commissioner’s Office (ICO): ico.org.uk/make-a-complaint, 0303 123 1113, or Information Commissioner’s Office, Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF.'
