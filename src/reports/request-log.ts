import {
  daysBetween,
  isIsoDate,
  londonDate,
  pausedDaysBetween,
  responseDeadline,
  type IsoDate,
} from '../domain/clock.js'
import type { PauseKind } from '../domain/case-clock.js'
import { isOpen, requestStatuses, type RequestStatus } from '../domain/request-status.js'
import { isRequestType, type RequestType } from '../domain/request-types.js'
import {
  retentionStateAt,
  type RecordFacts,
  type RecordSnapshot,
  type RetentionPolicy,
} from '../domain/retention.js'
import type { StaffRole } from '../domain/roles.js'
import type { FieldError } from '../errors.js'

/**
 * The auditor's request log (SPEC §6): one row per request whose identity was established (it got a
 * reference, or was closed at confirmation as a duplicate of one that has). Requests never confirmed
 * are not requests yet: they close as unverified and lose their details after 7 days.
 */

/** What the log reads about one request, as the repository maps it. */
export interface RequestLogSource {
  id: string
  reference: string | null
  type: RequestType
  status: RequestStatus
  channel: string
  studySlug: string
  policy: RetentionPolicy
  receivedOn: IsoDate
  clockStartOn: IsoDate | null
  pausedDays: number
  extended: boolean
  pause: { kind: PauseKind; since: IsoDate } | null
  /** UTC instant the request was closed. */
  closedAt: string | null
  outcome: string | null
  outcomeReason: string | null
  duplicateOfReference: string | null
  assigneeRole: StaffRole | null
  /** What the request learnt of the record when it was confirmed: the log shows only its state. */
  snapshot: Pick<RecordSnapshot, 'state'> | null
  /** The linked email record's facts now; null when no record was linked. */
  record: RecordFacts | null
  requesterName: string | null
  email: string | null
}

export type RecordStateColumn = RecordSnapshot['state']

export interface RequestLogRow {
  reference: string | null
  type: RequestType
  study: string
  channel: string
  received: IsoDate
  clock_start: IsoDate | null
  /** The one-month deadline (moved by clarification days). */
  due: IsoDate | null
  /** The three-month deadline, when extended. */
  extended_due: IsoDate | null
  /** London date the request was closed: answered, refused, withdrawn or closed as a duplicate. */
  closed: IsoDate | null
  status: RequestStatus
  outcome: string | null
  /** For refusals only: the ground. A completion's reasons are free text and stay on the case. */
  refusal_ground: string | null
  /** Calendar days from the clock's start to the answer, paused days included. */
  days_taken: number | null
  /** Answered by the statutory deadline; false for an open request already past it. */
  on_time: boolean | null
  extended: boolean
  paused_days: number
  assignee_role: StaffRole | null
  duplicate_of: string | null
  record_state_when_confirmed: RecordStateColumn | null
  record_state_now: RecordStateColumn | null
  requester_name?: string | null
  requester_email?: string | null
}

export const requestLogColumns = [
  'reference',
  'type',
  'study',
  'channel',
  'received',
  'clock_start',
  'due',
  'extended_due',
  'closed',
  'status',
  'outcome',
  'refusal_ground',
  'days_taken',
  'on_time',
  'extended',
  'paused_days',
  'assignee_role',
  'duplicate_of',
  'record_state_when_confirmed',
  'record_state_now',
] as const satisfies readonly (keyof RequestLogRow)[]

export const identityColumns = [
  'requester_name',
  'requester_email',
] as const satisfies readonly (keyof RequestLogRow)[]

export function columnsFor(includeIdentities: boolean): (keyof RequestLogRow)[] {
  return includeIdentities ? [...requestLogColumns, ...identityColumns] : [...requestLogColumns]
}

/** A request's statutory deadlines on a London date; none while the clock is stopped. */
export function deadlinesOf(
  source: Pick<RequestLogSource, 'status' | 'clockStartOn' | 'pausedDays' | 'extended' | 'pause'>,
  today: IsoDate,
): { due: IsoDate | null; extendedDue: IsoDate | null } {
  if (!source.clockStartOn) return { due: null, extendedDue: null }
  const open = isOpen(source.status)
  // A clock stopped for identity or a fee has no deadline, open or closed (closing leaves it stopped).
  if (source.pause && source.pause.kind !== 'clarification') return { due: null, extendedDue: null }
  // An open clarification pause moves the deadline a day for every day it lasts.
  const pausedDays =
    source.pausedDays +
    (open && source.pause?.kind === 'clarification' ? pausedSoFar(source.pause.since, today) : 0)
  const start = source.clockStartOn
  return {
    due: dueDate(start, false, pausedDays),
    extendedDue: source.extended ? dueDate(start, true, pausedDays) : null,
  }
}

// Open clarification pauses began on a few hundred days at most: each count is worked out once.
const pausedCounts = new Map<string, number>()

function pausedSoFar(since: IsoDate, today: IsoDate): number {
  const key = `${since}|${today}`
  let days = pausedCounts.get(key)
  if (days === undefined) {
    days = pausedDaysBetween(since, today)
    if (pausedCounts.size >= 100_000) pausedCounts.clear()
    pausedCounts.set(key, days)
  }
  return days
}

// A log holds many requests per day; each deadline is worked out once (a few thousand a year at most).
const dueDates = new Map<string, IsoDate>()

function dueDate(start: IsoDate, extended: boolean, pausedDays: number): IsoDate {
  const key = `${start}|${extended}|${pausedDays}`
  let due = dueDates.get(key)
  if (due === undefined) {
    due = responseDeadline({ start, extended, pausedDays }).due
    if (dueDates.size >= 100_000) dueDates.clear()
    dueDates.set(key, due)
  }
  return due
}

const answeredStatuses: readonly RequestStatus[] = ['completed', 'refused']

// London's offset changes only on the hour, so every instant in one UTC hour has the same London date.
const londonDatesByHour = new Map<string, IsoDate>()

function londonDateOf(instant: string): IsoDate {
  const hour = instant.slice(0, 13)
  let date = londonDatesByHour.get(hour)
  if (date === undefined) {
    date = londonDate(new Date(instant))
    if (londonDatesByHour.size >= 100_000) londonDatesByHour.clear()
    londonDatesByHour.set(hour, date)
  }
  return date
}

// Days since 1970-01-01 of each date met, checked as a date once rather than on every row.
const dayNumbers = new Map<IsoDate, number>()

function dayNumber(date: IsoDate): number {
  let day = dayNumbers.get(date)
  if (day === undefined) {
    day = daysBetween('1970-01-01', date)
    if (dayNumbers.size >= 100_000) dayNumbers.clear()
    dayNumbers.set(date, day)
  }
  return day
}

/** The clock facts of a request, all a row's deadline figures need. */
export type ClockSource = Pick<
  RequestLogSource,
  'status' | 'clockStartOn' | 'pausedDays' | 'extended' | 'pause' | 'closedAt'
>

/** How a request stands against its deadline on a London date: closed when, how long, on time. */
export function handlingOf(
  source: ClockSource,
  today: IsoDate,
): Pick<RequestLogRow, 'due' | 'extended_due' | 'closed' | 'days_taken' | 'on_time'> {
  const { due, extendedDue } = deadlinesOf(source, today)
  const statutoryDue = extendedDue ?? due
  const closed = source.closedAt ? londonDateOf(source.closedAt) : null
  const answered = answeredStatuses.includes(source.status) && closed !== null
  let onTime: boolean | null = null
  if (answered && statutoryDue) onTime = closed <= statutoryDue
  else if (isOpen(source.status) && statutoryDue && today > statutoryDue) onTime = false
  return {
    due,
    extended_due: extendedDue,
    closed,
    days_taken: answered && source.clockStartOn ? dayNumber(closed) - dayNumber(source.clockStartOn) : null,
    on_time: onTime,
  }
}

/** Shapes one request into its log row, on a London date (today decides the record's state now). */
export function requestLogRow(
  source: RequestLogSource,
  today: IsoDate,
  options: { includeIdentities: boolean } = { includeIdentities: false },
): RequestLogRow {
  const handling = handlingOf(source, today)
  const row: RequestLogRow = {
    reference: source.reference,
    type: source.type,
    study: source.studySlug,
    channel: source.channel,
    received: source.receivedOn,
    clock_start: source.clockStartOn,
    due: handling.due,
    extended_due: handling.extended_due,
    closed: handling.closed,
    status: source.status,
    outcome: source.outcome,
    refusal_ground: source.status === 'refused' ? source.outcomeReason : null,
    days_taken: handling.days_taken,
    on_time: handling.on_time,
    extended: source.extended,
    paused_days: source.pausedDays,
    assignee_role: source.assigneeRole,
    duplicate_of: source.duplicateOfReference,
    record_state_when_confirmed: source.snapshot?.state ?? null,
    record_state_now: recordStateNow(source, today),
  }
  if (options.includeIdentities) {
    row.requester_name = source.requesterName
    row.requester_email = source.email
  }
  return row
}

function recordStateNow(source: RequestLogSource, today: IsoDate): RecordStateColumn | null {
  if (source.record) return retentionStateOn(source.record, source.policy, today)
  // Confirmed without a record to link: there is still none.
  return source.snapshot ? 'no_record' : null
}

// Many records share their dates and their study's rules, and the log needs only the state, not
// the rule in words: each combination is worked out once.
const retentionStates = new Map<string, RecordStateColumn>()

function retentionStateOn(facts: RecordFacts, policy: RetentionPolicy, today: IsoDate): RecordStateColumn {
  const { deletedHoldings, erased, restriction, deletionDone } = facts
  const key = `${today}|${policy.surveyClosesOn}|${policy.platformMonthsAfterClose}|${policy.voucherMonthsAfterSent}|${facts.voucherSentOn}|${facts.extractedOn}|${deletedHoldings.survey_platform}|${deletedHoldings.voucher_correspondence}|${erased?.on}|${erased?.reason}|${restriction?.since}|${deletionDone === undefined ? '' : JSON.stringify(deletionDone)}`
  let state = retentionStates.get(key)
  if (state === undefined) {
    state = retentionStateAt(facts, policy, today).state
    if (retentionStates.size >= 100_000) retentionStates.clear()
    retentionStates.set(key, state)
  }
  return state
}

/**
 * A spreadsheet runs a cell starting with = + - @ (or a tab or carriage return before one) as a
 * formula. A leading apostrophe makes it text (OWASP, CSV injection).
 */
export function neutraliseFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text
}

/** One CSV cell: empty for nothing, yes/no for booleans, formulas neutralised. */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  return neutraliseFormula(String(value))
}

export function csvRecord(row: RequestLogRow, columns: readonly (keyof RequestLogRow)[]): string[] {
  return columns.map((column) => csvCell(row[column]))
}

/**
 * One line of the CSV file, as RFC 4180 with CRLF line ends writes it: a cell holding a comma, a
 * double quote or a line end is quoted and its quotes doubled. A lone line feed or carriage return
 * is left as it is, as the complaints log's writer (csv-stringify) leaves it.
 */
export function csvLine(cells: readonly string[]): string {
  let line = ''
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i] as string
    if (i > 0) line += ','
    line +=
      cell.includes('"') || cell.includes(',') || cell.includes('\r\n')
        ? `"${cell.replaceAll('"', '""')}"`
        : cell
  }
  return `${line}\r\n`
}

/** The start of the CSV file: a byte-order mark, so Excel reads it as UTF-8, and the header. */
export const csvHead = (columns: readonly string[]): string => `\uFEFF${csvLine(columns)}`

/** A run of requests as lines of the export, CSV or NDJSON, in one string. */
export function requestLogText(
  sources: readonly RequestLogSource[],
  input: { today: IsoDate; format: ExportFormat; includeIdentities: boolean },
): string {
  const { today, format, includeIdentities } = input
  const columns = columnsFor(includeIdentities)
  const options = { includeIdentities }
  let text = ''
  for (const source of sources) {
    const row = requestLogRow(source, today, options)
    text += format === 'csv' ? csvLine(csvRecord(row, columns)) : `${JSON.stringify(row)}\n`
  }
  return text
}

// Filters -------------------------------------------------------------------------------------

export const exportFormats = ['csv', 'ndjson'] as const
export type ExportFormat = (typeof exportFormats)[number]

/** Statuses a logged request can have: never-confirmed ones are not in the log. */
export const loggedStatuses: readonly RequestStatus[] = requestStatuses.filter(
  (s) => s !== 'unconfirmed' && s !== 'unverified',
)

export interface RequestLogFilters {
  receivedFrom?: IsoDate
  receivedTo?: IsoDate
  type?: RequestType
  /** Study slug. */
  study?: string
  outcome?: string
  status?: RequestStatus
}

export interface ReceivedRange {
  receivedFrom?: IsoDate
  receivedTo?: IsoDate
}

export type FilterValues = Record<'from' | 'to' | 'type' | 'study' | 'outcome' | 'status', string>

const text = (input: Record<string, unknown>, name: string): string => {
  const value = input[name]
  return typeof value === 'string' ? value.trim() : ''
}

/** Received from/to, as typed: each a real date, and from no later than to. */
export function parseReceivedRange(input: Record<string, unknown>): {
  range: ReceivedRange
  values: { from: string; to: string }
  errors: FieldError[]
} {
  const values = { from: text(input, 'from'), to: text(input, 'to') }
  const errors: FieldError[] = []
  const range: ReceivedRange = {}
  for (const [field, label] of [
    ['from', 'Received from'],
    ['to', 'Received to'],
  ] as const) {
    if (!values[field]) continue
    if (isIsoDate(values[field])) range[field === 'from' ? 'receivedFrom' : 'receivedTo'] = values[field]
    else errors.push({ field, href: `#${field}`, text: `${label} must be a real date, like 2026-03-31` })
  }
  if (range.receivedFrom && range.receivedTo && range.receivedFrom > range.receivedTo) {
    errors.push({ field: 'to', href: '#to', text: 'Received to must be the same as or after received from' })
  }
  return { range, values, errors }
}

/** The export form's filters, checked against what exists; nothing unknown is silently ignored. */
export function parseLogFilters(
  input: Record<string, unknown>,
  known: { studies: readonly string[]; outcomes: readonly string[] },
): { filters: RequestLogFilters; values: FilterValues; errors: FieldError[] } {
  const { range, values: dates, errors } = parseReceivedRange(input)
  const values: FilterValues = {
    ...dates,
    type: text(input, 'type'),
    study: text(input, 'study'),
    outcome: text(input, 'outcome'),
    status: text(input, 'status'),
  }
  const filters: RequestLogFilters = { ...range }
  if (values.type) {
    if (isRequestType(values.type)) filters.type = values.type
    else errors.push({ field: 'type', href: '#type', text: 'Select a type of request from the list' })
  }
  if (values.study) {
    if (known.studies.includes(values.study)) filters.study = values.study
    else errors.push({ field: 'study', href: '#study', text: 'Select a study from the list' })
  }
  if (values.outcome) {
    if (known.outcomes.includes(values.outcome)) filters.outcome = values.outcome
    else errors.push({ field: 'outcome', href: '#outcome', text: 'Select an outcome from the list' })
  }
  if (values.status) {
    const status = loggedStatuses.find((s) => s === values.status)
    if (status) filters.status = status
    else errors.push({ field: 'status', href: '#status', text: 'Select a status from the list' })
  }
  return { filters, values, errors }
}

/** The filters as recorded in an export's event: only what was asked for. */
export function describeFilters(filters: RequestLogFilters): Record<string, string> {
  return Object.fromEntries(
    Object.entries(filters).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  )
}
