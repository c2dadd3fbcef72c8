import type { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { stringify } from 'csv-stringify'
import type { Knex } from 'knex'
import type { StaffUser } from '../domain/staff-user.js'
import { recordEvent } from '../audit/events.js'
import { refusalGrounds } from '../domain/refusals.js'
import { londonDate, type IsoDate } from '../domain/clock.js'
import { containsEmailAddress } from '../domain/email-address.js'
import { openStatuses } from '../domain/request-status.js'
import { requestTypeInfo, requestTypes, type RequestType } from '../domain/request-types.js'
import { can } from '../domain/roles.js'
import { newId } from '../security/tokens.js'
import { ForbiddenError, ValidationError } from '../errors.js'
import {
  answeredTally,
  fillMonths,
  monthLabel,
  openTally,
  outcomeTimesTally,
  type AnsweredSummary,
  type OutcomeTimes,
} from './dashboard.js'
import { complaintOutcomes, complaintSubjects, type ComplaintSubject } from '../domain/complaint.js'
import {
  complaintColumnsFor,
  complaintCsvRecord,
  complaintLogRow,
  type ComplaintLogFilters,
  type ComplaintLogRow,
  type ComplaintLogSource,
} from './complaint-log.js'
import { complaintReportsRepo } from './complaints-repo.js'
import { reportsRepo, type LogSelection } from './repo.js'
import {
  columnsFor,
  csvHead,
  describeFilters,
  handlingOf,
  requestLogText,
  type ExportFormat,
  type ReceivedRange,
  type RequestLogFilters,
  type RequestLogSource,
} from './request-log.js'

export const reasonMaxLength = 1000

export interface RequestLogExport {
  /** Rows counted when the export started; the export holds exactly these requests. */
  rows: number
  filename: string
  contentType: string
  /** Streams the rows into the target, a page at a time, waiting whenever the target is full. */
  writeTo(target: Writable): Promise<void>
}

export interface Dashboard {
  today: IsoDate
  total: number
  byType: { type: RequestType; label: string; count: number }[]
  byMonth: { month: string; label: string; short: string; year: string; count: number }[]
  answered: AnsweredSummary
  extended: number
  refusals: { ground: string; label: string; count: number }[]
  open: { key: string; label: string; count: number }[]
  openTotal: number
  complaints: ComplaintFigures
}

/** Complaints on the dashboard (s.164B): how many, about what, with what outcome, how promptly. */
export interface ComplaintFigures {
  total: number
  open: number
  byMonth: { month: string; label: string; short: string; year: string; count: number }[]
  bySubject: { subject: ComplaintSubject; label: string; count: number }[]
  byOutcome: { outcome: string; label: string; count: number }[]
  acknowledgement: {
    onTime: number
    late: number
    /** Open, unacknowledged and past the due date: late already. */
    overdue: number
    /** onTime / (onTime + late + overdue), or null when none can be judged yet. */
    onTimeRate: number | null
  }
  outcomeTimes: OutcomeTimes
}

const contentTypes: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
}

/** The auditor's request log export and dashboard. */
export function reportsService(deps: { db: Knex; now: () => Date; batchSize?: number }) {
  const repo = reportsRepo(deps.db)
  const complaintRepo = complaintReportsRepo(deps.db)

  function checkReason(reason: string): string {
    const text = reason.trim()
    const problem = !text
      ? 'Enter why the export needs requester names and email addresses'
      : text.length > reasonMaxLength
        ? `The reason must be ${reasonMaxLength.toLocaleString('en-GB')} characters or fewer`
        : containsEmailAddress(text)
          ? 'The reason is recorded in the audit trail: leave out email addresses'
          : undefined
    if (problem) throw new ValidationError([{ field: 'reason', href: '#reason', text: problem }])
    return text
  }

  /** The request log's file: each page of requests written as one piece of text. */
  async function* requestLogFile(
    pages: AsyncIterable<RequestLogSource[]>,
    input: { today: IsoDate; format: ExportFormat; includeIdentities: boolean },
  ): AsyncGenerator<string> {
    if (input.format === 'csv') yield csvHead(columnsFor(input.includeIdentities))
    for await (const page of pages) yield requestLogText(page, input)
  }

  async function complaintFigures(range: ReceivedRange, today: IsoDate): Promise<ComplaintFigures> {
    const [byMonth, bySubject, byOutcome, acknowledgement, open] = await Promise.all([
      complaintRepo.countsByMonth(range),
      complaintRepo.countsBySubject(range),
      complaintRepo.countsByOutcome(range),
      complaintRepo.acknowledgementCounts(range, today),
      complaintRepo.countOpen(range),
    ])
    // Days to outcome need each closed complaint's dates: streamed, never held.
    const times = outcomeTimesTally()
    for await (const closed of complaintRepo.walkClosed(range, deps.batchSize))
      times.add(closed.receivedOn, closed.closedOn)
    const subjects = new Map(bySubject.map((s) => [s.subject, s.count]))
    const outcomes = new Map(byOutcome.map((o) => [o.outcome, o.count]))
    const judged = acknowledgement.onTime + acknowledgement.late + acknowledgement.overdue
    return {
      total: bySubject.reduce((sum, s) => sum + s.count, 0),
      open,
      byMonth: fillMonths(byMonth).map((m) => {
        const { long, short, year } = monthLabel(m.month)
        return { ...m, label: long, short, year }
      }),
      bySubject: (Object.keys(complaintSubjects) as ComplaintSubject[]).map((subject) => ({
        subject,
        label: complaintSubjects[subject].label,
        count: subjects.get(subject) ?? 0,
      })),
      byOutcome: Object.entries(complaintOutcomes).map(([outcome, label]) => ({
        outcome,
        label,
        count: outcomes.get(outcome) ?? 0,
      })),
      acknowledgement: {
        ...acknowledgement,
        onTimeRate: judged === 0 ? null : acknowledgement.onTime / judged,
      },
      outcomeTimes: times.summary(),
    }
  }

  async function* shapedComplaints(
    sources: AsyncIterable<ComplaintLogSource>,
    today: IsoDate,
    includeIdentities: boolean,
  ) {
    for await (const source of sources) yield complaintLogRow(source, today, { includeIdentities })
  }

  /**
   * Records an export in the audit trail first (with the reason, when identities are included),
   * then hands back a writer that streams its rows as NDJSON or CSV: nothing is disclosed that was
   * not recorded, and the export holds exactly the rows counted when it started.
   */
  async function recordedExport<Row>(
    actor: StaffUser,
    request: { format: ExportFormat; filters: object; identities?: { reason: string } },
    log: {
      name: string
      subjectType: string
      kind: 'export.request_log' | 'export.complaint_log'
      /** Names the log in the identities event, when it is not the request log. */
      log?: string
      count: (trx: Knex, startedAt: Date) => Promise<number>
      /** The file's text, in pieces; or its rows, for csv-stringify or JSON one by one. */
      content:
        | { text: (startedAt: Date, today: IsoDate) => AsyncIterable<string> }
        | {
            rows: (startedAt: Date, today: IsoDate) => AsyncIterable<Row>
            csv: { columns: string[]; record: (row: Row) => unknown }
          }
    },
  ): Promise<RequestLogExport> {
    const includeIdentities = request.identities !== undefined
    if (includeIdentities && !can(actor.role, 'cases:act')) throw new ForbiddenError()
    const reason = request.identities ? checkReason(request.identities.reason) : undefined
    const startedAt = deps.now()
    const today = londonDate(startedAt)
    const filters = describeFilters(request.filters)
    const rows = await deps.db.transaction(async (trx) => {
      const count = await log.count(trx, startedAt)
      const subject = { type: log.subjectType, id: newId() }
      const staff = { type: 'staff' as const, id: actor.id }
      await recordEvent(
        trx,
        {
          actor: staff,
          subject,
          kind: log.kind,
          data: { format: request.format, filters, rows: count, identitiesIncluded: includeIdentities },
        },
        startedAt,
      )
      if (reason !== undefined) {
        await recordEvent(
          trx,
          {
            actor: staff,
            subject,
            kind: 'export.identities_included',
            data: {
              reason,
              format: request.format,
              filters,
              rows: count,
              ...(log.log ? { log: log.log } : {}),
            },
          },
          startedAt,
        )
      }
      return count
    })
    return {
      rows,
      filename: `${log.name}${includeIdentities ? '-with-identities' : ''}-${today}.${request.format}`,
      contentType: contentTypes[request.format],
      async writeTo(target) {
        const content = log.content
        if ('text' in content) {
          // Each piece waits for the target to take the one before: a slow client stops the reading.
          await pipeline(content.text(startedAt, today), target)
          return
        }
        const logRows = content.rows(startedAt, today)
        const csv = content.csv
        if (request.format === 'ndjson') {
          await pipeline(
            logRows,
            async function* (source: AsyncIterable<Row>) {
              for await (const row of source) yield `${JSON.stringify(row)}\n`
            },
            target,
          )
          return
        }
        await pipeline(
          logRows,
          async function* (source: AsyncIterable<Row>) {
            for await (const row of source) yield csv.record(row)
          },
          // RFC 4180 line ends; a byte-order mark so Excel reads the file as UTF-8.
          stringify({ header: true, columns: csv.columns, bom: true, record_delimiter: 'windows' }),
          target,
        )
      },
    }
  }

  return {
    /** The complaints log, as the request log: recorded first, then streamed a page at a time. */
    exportComplaintLog(
      actor: StaffUser,
      request: { format: ExportFormat; filters: ComplaintLogFilters; identities?: { reason: string } },
    ): Promise<RequestLogExport> {
      const includeIdentities = request.identities !== undefined
      const columns = complaintColumnsFor(includeIdentities)
      return recordedExport(actor, request, {
        name: 'complaints-log',
        subjectType: 'complaint_log_export',
        kind: 'export.complaint_log',
        log: 'complaints',
        count: (trx, startedAt) =>
          complaintReportsRepo(trx).count({ ...request.filters, madeBy: startedAt.toISOString() }),
        content: {
          rows: (startedAt, today) =>
            shapedComplaints(
              complaintRepo.walk(
                { ...request.filters, madeBy: startedAt.toISOString() },
                { includeIdentities, batchSize: deps.batchSize },
              ),
              today,
              includeIdentities,
            ),
          csv: { columns, record: (row: ComplaintLogRow) => complaintCsvRecord(row, columns) },
        },
      })
    },

    /** The request log: recorded first, then streamed a page at a time. */
    exportRequestLog(
      actor: StaffUser,
      request: { format: ExportFormat; filters: RequestLogFilters; identities?: { reason: string } },
    ): Promise<RequestLogExport> {
      const includeIdentities = request.identities !== undefined
      const selection = (startedAt: Date): LogSelection => ({
        ...request.filters,
        confirmedBy: startedAt.toISOString(),
      })
      return recordedExport(actor, request, {
        name: 'request-log',
        subjectType: 'request_log_export',
        kind: 'export.request_log',
        count: (trx, startedAt) => reportsRepo(trx).count(selection(startedAt)),
        content: {
          text: (startedAt, today) =>
            requestLogFile(
              repo.walkPages(selection(startedAt), { includeIdentities, batchSize: deps.batchSize }),
              { today, format: request.format, includeIdentities },
            ),
        },
      })
    },

    async dashboard(range: ReceivedRange): Promise<Dashboard> {
      const today = londonDate(deps.now())
      const byType = await repo.countsByType(range)
      const byMonth = await repo.countsByMonth(range)
      const refusals = await repo.refusalsByGround(range)
      const extended = await repo.countExtended(range)
      // Days to answer and days left need each request's clock: streamed, never held.
      const answered = answeredTally()
      for await (const clock of repo.walkClocks(
        { ...range, statuses: ['completed', 'refused'] },
        deps.batchSize,
      ))
        answered.add({ status: clock.status, ...handlingOf(clock, today) })
      const open = openTally(today)
      for await (const clock of repo.walkClocks({ ...range, statuses: openStatuses }, deps.batchSize))
        open.add(handlingOf(clock, today))
      const counts = new Map(byType.map((t) => [t.type, t.count]))
      const bands = open.bands()
      return {
        today,
        total: byType.reduce((sum, t) => sum + t.count, 0),
        byType: requestTypes.map((type) => ({
          type,
          label: requestTypeInfo[type].name,
          count: counts.get(type) ?? 0,
        })),
        byMonth: fillMonths(byMonth).map((m) => {
          const { long, short, year } = monthLabel(m.month)
          return { ...m, label: long, short, year }
        }),
        answered: answered.summary(),
        extended,
        refusals: refusals
          .map((r) => ({
            ...r,
            label: Object.hasOwn(refusalGrounds, r.ground)
              ? refusalGrounds[r.ground as keyof typeof refusalGrounds]
              : 'No reason recorded',
          }))
          .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label)),
        open: bands,
        openTotal: bands.reduce((sum, b) => sum + b.count, 0),
        complaints: await complaintFigures(range, today),
      }
    },
  }
}

export type ReportsService = ReturnType<typeof reportsService>
