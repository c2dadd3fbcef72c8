import type { IsoDate } from '../domain/clock.js'
import {
  isComplaintOutcome,
  isComplaintSubject,
  type ComplaintChannel,
  type ComplaintOutcome,
  type ComplaintStatus,
  type ComplaintSubject,
} from '../domain/complaint.js'
import { acknowledgedOnTime, daysToOutcome } from '../domain/complaint-handling.js'
import type { FieldError } from '../errors.js'
import { csvCell, parseReceivedRange, type ReceivedRange } from './request-log.js'

/**
 * The complaints log (DPA 2018 s.164B: the number of complaints, and how they were handled): one
 * row per complaint that was opened, by the online form once confirmed or logged by staff.
 * Complaints never confirmed are not complaints yet: they lapse and lose their details.
 */

/** What the log reads about one complaint, as the repository maps it. */
export interface ComplaintLogSource {
  id: string
  reference: string | null
  studySlug: string | null
  subject: ComplaintSubject
  channel: ComplaintChannel
  status: ComplaintStatus
  receivedOn: IsoDate | null
  acknowledgementDueOn: IsoDate | null
  acknowledgedOn: IsoDate | null
  responseTargetOn: IsoDate | null
  closedOn: IsoDate | null
  outcome: ComplaintOutcome | null
  requestReference: string | null
  requesterName: string | null
  email: string | null
}

export interface ComplaintLogRow {
  reference: string | null
  study: string | null
  subject: ComplaintSubject
  channel: ComplaintChannel
  status: ComplaintStatus
  received: IsoDate | null
  /** The 30th day from the day after receipt, moved to the next working day (s.164A(3)). */
  acknowledgement_due: IsoDate | null
  acknowledged: IsoDate | null
  /** Acknowledged by the due date; false too for an open complaint past it unacknowledged. */
  acknowledged_on_time: boolean | null
  /** The organisation's own target for the outcome, not a statutory deadline. */
  response_target: IsoDate | null
  closed: IsoDate | null
  outcome: ComplaintOutcome | null
  /** Calendar days from receipt to the outcome. */
  days_to_outcome: number | null
  request_reference: string | null
  requester_name?: string | null
  requester_email?: string | null
}

export const complaintLogColumns = [
  'reference',
  'study',
  'subject',
  'channel',
  'status',
  'received',
  'acknowledgement_due',
  'acknowledged',
  'acknowledged_on_time',
  'response_target',
  'closed',
  'outcome',
  'days_to_outcome',
  'request_reference',
] as const satisfies readonly (keyof ComplaintLogRow)[]

export const complaintIdentityColumns = [
  'requester_name',
  'requester_email',
] as const satisfies readonly (keyof ComplaintLogRow)[]

export function complaintColumnsFor(includeIdentities: boolean): (keyof ComplaintLogRow)[] {
  return includeIdentities ? [...complaintLogColumns, ...complaintIdentityColumns] : [...complaintLogColumns]
}

/** Shapes one complaint into its log row on a London date (today decides a late acknowledgement). */
export function complaintLogRow(
  source: ComplaintLogSource,
  today: IsoDate,
  options: { includeIdentities: boolean } = { includeIdentities: false },
): ComplaintLogRow {
  const row: ComplaintLogRow = {
    reference: source.reference,
    study: source.studySlug,
    subject: source.subject,
    channel: source.channel,
    status: source.status,
    received: source.receivedOn,
    acknowledgement_due: source.acknowledgementDueOn,
    acknowledged: source.acknowledgedOn,
    acknowledged_on_time: acknowledgedOnTime(source, today),
    response_target: source.responseTargetOn,
    closed: source.closedOn,
    outcome: source.status === 'closed' ? source.outcome : null,
    days_to_outcome: source.status === 'closed' ? daysToOutcome(source) : null,
    request_reference: source.requestReference,
  }
  if (options.includeIdentities) {
    row.requester_name = source.requesterName
    row.requester_email = source.email
  }
  return row
}

export function complaintCsvRecord(
  row: ComplaintLogRow,
  columns: readonly (keyof ComplaintLogRow)[],
): string[] {
  return columns.map((column) => csvCell(row[column]))
}

// Filters -------------------------------------------------------------------------------------

export interface ComplaintLogFilters extends ReceivedRange {
  /** Study slug. */
  study?: string
  subject?: ComplaintSubject
  outcome?: ComplaintOutcome
}

export type ComplaintFilterValues = Record<'from' | 'to' | 'study' | 'subject' | 'outcome', string>

const text = (input: Record<string, unknown>, name: string): string => {
  const value = input[name]
  return typeof value === 'string' ? value.trim() : ''
}

/**
 * The complaints log's filters, checked against what exists. Its form shares the exports page with
 * the request log, so its fields' ids start with `idPrefix`.
 */
export function parseComplaintLogFilters(
  input: Record<string, unknown>,
  known: { studies: readonly string[] },
  idPrefix = '',
): { filters: ComplaintLogFilters; values: ComplaintFilterValues; errors: FieldError[] } {
  const dates = parseReceivedRange(input)
  const errors: FieldError[] = dates.errors.map((e) => ({ ...e, href: `#${idPrefix}${e.field}` }))
  const values: ComplaintFilterValues = {
    ...dates.values,
    study: text(input, 'study'),
    subject: text(input, 'subject'),
    outcome: text(input, 'outcome'),
  }
  const filters: ComplaintLogFilters = { ...dates.range }
  const problem = (field: string, message: string) =>
    errors.push({ field, href: `#${idPrefix}${field}`, text: message })
  if (values.study) {
    if (known.studies.includes(values.study)) filters.study = values.study
    else problem('study', 'Select a study from the list')
  }
  if (values.subject) {
    if (isComplaintSubject(values.subject)) filters.subject = values.subject
    else problem('subject', 'Select a subject from the list')
  }
  if (values.outcome) {
    if (isComplaintOutcome(values.outcome)) filters.outcome = values.outcome
    else problem('outcome', 'Select an outcome from the list')
  }
  return { filters, values, errors }
}
