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
import { complaintReportsRepo, type ComplaintSelection } from './complaints-repo.js'
import { reportsRepo, type LogSelection } from './repo.js'
import {
  columnsFor,
  csvRecord,
  describeFilters,
  handlingOf,
  requestLogRow,
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

  async function* shaped(
    sources: AsyncIterable<RequestLogSource>,
    today: IsoDate,
    includeIdentities: boolean,
  ) {
    for await (const source of sources) yield requestLogRow(source, today, { includeIdentities })
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

  return {
    /**
     * The complaints log, as the request log: recorded in the audit trail first (with the reason,
     * when identities are included), then streamed a page at a time.
     */
    async exportComplaintLog(
      actor: StaffUser,
      request: { format: ExportFormat; filters: ComplaintLogFilters; identities?: { reason: string } },
    ): Promise<RequestLogExport> {
      const includeIdentities = request.identities !== undefined
      if (includeIdentities && !can(actor.role, 'cases:act')) throw new ForbiddenError()
      const reason = request.identities ? checkReason(request.identities.reason) : undefined
      const startedAt = deps.now()
      const today = londonDate(startedAt)
      const selection: ComplaintSelection = { ...request.filters, madeBy: startedAt.toISOString() }
      const filters = describeFilters(request.filters)
      const rows = await deps.db.transaction(async (trx) => {
        const count = await complaintReportsRepo(trx).count(selection)
        const subject = { type: 'complaint_log_export', id: newId() }
        const staff = { type: 'staff' as const, id: actor.id }
        await recordEvent(
          trx,
          {
            actor: staff,
            subject,
            kind: 'export.complaint_log',
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
              data: { reason, format: request.format, filters, rows: count, log: 'complaints' },
            },
            startedAt,
          )
        }
        return count
      })
      const columns = complaintColumnsFor(includeIdentities)
      return {
        rows,
        filename: `complaints-log${includeIdentities ? '-with-identities' : ''}-${today}.${request.format}`,
        contentType: contentTypes[request.format],
        async writeTo(target) {
          const logRows = shapedComplaints(
            complaintRepo.walk(selection, { includeIdentities, batchSize: deps.batchSize }),
            today,
            includeIdentities,
          )
          if (request.format === 'ndjson') {
            await pipeline(
              logRows,
              async function* (source: AsyncIterable<ComplaintLogRow>) {
                for await (const row of source) yield `${JSON.stringify(row)}\n`
              },
              target,
            )
            return
          }
          await pipeline(
            logRows,
            async function* (source: AsyncIterable<ComplaintLogRow>) {
              for await (const row of source) yield complaintCsvRecord(row, columns)
            },
            stringify({ header: true, columns, bom: true, record_delimiter: 'windows' }),
            target,
          )
        },
      }
    },

    /**
     * Records the export in the audit trail first (with the reason, when identities are included),
     * then hands back a writer: nothing is disclosed that was not recorded.
     */
    async exportRequestLog(
      actor: StaffUser,
      request: { format: ExportFormat; filters: RequestLogFilters; identities?: { reason: string } },
    ): Promise<RequestLogExport> {
      const includeIdentities = request.identities !== undefined
      if (includeIdentities && !can(actor.role, 'cases:act')) throw new ForbiddenError()
      const reason = request.identities ? checkReason(request.identities.reason) : undefined
      const startedAt = deps.now()
      const today = londonDate(startedAt)
      const selection: LogSelection = { ...request.filters, confirmedBy: startedAt.toISOString() }
      const filters = describeFilters(request.filters)
      const rows = await deps.db.transaction(async (trx) => {
        const count = await reportsRepo(trx).count(selection)
        const subject = { type: 'request_log_export', id: newId() }
        const staff = { type: 'staff' as const, id: actor.id }
        await recordEvent(
          trx,
          {
            actor: staff,
            subject,
            kind: 'export.request_log',
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
              data: { reason, format: request.format, filters, rows: count },
            },
            startedAt,
          )
        }
        return count
      })
      const columns = columnsFor(includeIdentities)
      return {
        rows,
        filename: `request-log${includeIdentities ? '-with-identities' : ''}-${today}.${request.format}`,
        contentType: contentTypes[request.format],
        async writeTo(target) {
          const logRows = shaped(
            repo.walk(selection, { includeIdentities, batchSize: deps.batchSize }),
            today,
            includeIdentities,
          )
          if (request.format === 'ndjson') {
            await pipeline(
              logRows,
              async function* (source: AsyncIterable<ReturnType<typeof requestLogRow>>) {
                for await (const row of source) yield `${JSON.stringify(row)}\n`
              },
              target,
            )
            return
          }
          await pipeline(
            logRows,
            async function* (source: AsyncIterable<ReturnType<typeof requestLogRow>>) {
              for await (const row of source) yield csvRecord(row, columns)
            },
            // RFC 4180 line ends; a byte-order mark so Excel reads the file as UTF-8.
            stringify({ header: true, columns, bom: true, record_delimiter: 'windows' }),
            target,
          )
        },
      }
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
