import type { Knex } from 'knex'
import { keysetPages } from '../db/keyset-pages.js'
import { isPostgres } from '../db/knex.js'
import type { PauseKind } from '../domain/case-clock.js'
import type { RequestStatus } from '../domain/request-status.js'
import type { RequestType } from '../domain/request-types.js'
import type { RecordFacts, RecordSnapshot } from '../domain/retention.js'
import type { StaffRole } from '../domain/roles.js'
import { recordFactsOf } from '../records/repo.js'
import type { ClockSource, ReceivedRange, RequestLogFilters, RequestLogSource } from './request-log.js'

/** Which rows a walk or a count reads: the log's filters, and requests confirmed by an instant. */
export interface LogSelection extends RequestLogFilters {
  /** Only requests confirmed at or before this UTC instant, so a count and its export agree. */
  confirmedBy?: string
  statuses?: readonly RequestStatus[]
}

interface LogRow {
  id: string
  reference: string | null
  type: RequestType
  status: RequestStatus
  channel: string
  received_at: string
  received_on: string
  clock_start_on: string | null
  paused_days: number | string
  extended: boolean | number
  pause_kind: PauseKind | null
  paused_since: string | null
  closed_at: string | null
  outcome: string | null
  outcome_reason: string | null
  record_snapshot: string | null
  requester_name?: string | null
  email?: string | null
  study_slug: string
  survey_closes_on: string
  platform_retention_months: number | string
  voucher_retention_months: number | string
  assignee_role: StaffRole | null
  duplicate_of_reference: string | null
  record_id: string | null
  voucher_sent_on: string | null
  extracted_on: string | null
  platform_deleted_on: string | null
  voucher_deleted_on: string | null
  erased_on: string | null
  erasure_reason: 'retention_schedule' | 'erasure_request' | null
  restricted_since: string | null
}

function factsOf(row: LogRow): RecordFacts | null {
  return row.record_id ? recordFactsOf(row) : null
}

function toSource(row: LogRow): RequestLogSource {
  return {
    id: row.id,
    reference: row.reference,
    type: row.type,
    status: row.status,
    channel: row.channel,
    studySlug: row.study_slug,
    policy: {
      surveyClosesOn: row.survey_closes_on,
      platformMonthsAfterClose: Number(row.platform_retention_months),
      voucherMonthsAfterSent: Number(row.voucher_retention_months),
    },
    receivedOn: row.received_on,
    clockStartOn: row.clock_start_on,
    pausedDays: Number(row.paused_days),
    extended: Boolean(row.extended),
    pause: row.pause_kind && row.paused_since ? { kind: row.pause_kind, since: row.paused_since } : null,
    closedAt: row.closed_at,
    outcome: row.outcome,
    outcomeReason: row.outcome_reason,
    duplicateOfReference: row.duplicate_of_reference,
    assigneeRole: row.assignee_role,
    snapshot: row.record_snapshot ? (JSON.parse(row.record_snapshot) as RecordSnapshot) : null,
    record: factsOf(row),
    requesterName: row.requester_name ?? null,
    email: row.email ?? null,
  }
}

type ClockRow = Pick<
  LogRow,
  | 'id'
  | 'received_at'
  | 'status'
  | 'clock_start_on'
  | 'paused_days'
  | 'extended'
  | 'pause_kind'
  | 'paused_since'
  | 'closed_at'
>

const clockColumns = [
  'r.id',
  'r.received_at',
  'r.status',
  'r.clock_start_on',
  'r.paused_days',
  'r.extended',
  'r.pause_kind',
  'r.paused_since',
  'r.closed_at',
]

const toClock = (row: ClockRow): ClockSource => ({
  status: row.status,
  clockStartOn: row.clock_start_on,
  pausedDays: Number(row.paused_days),
  extended: Boolean(row.extended),
  pause: row.pause_kind && row.paused_since ? { kind: row.pause_kind, since: row.paused_since } : null,
  closedAt: row.closed_at,
})

/** A log's rows counted by the month of a London date column (`YYYY-MM`), in month order. */
export async function countsByMonthOf(
  db: Knex,
  rows: Knex.QueryBuilder,
  dateColumn: string,
): Promise<{ month: string; count: number }[]> {
  const month = db.raw(`substr(${dateColumn}, 1, 7)`)
  const query: Promise<{ month: string; n: number | string }[]> = rows
    .select({ month })
    .count({ n: '*' })
    .groupBy(month)
    .orderBy('month')
  const counted = await query
  return counted.map((r) => ({ month: r.month, count: Number(r.n) }))
}

export const defaultBatchSize = 1000

/** The only queries of the request log and the dashboard. */
export function reportsRepo(db: Knex) {
  // A page must come off the (received_at, id) index whatever the filters. Given a status filter,
  // SQLite would rather read the status index and sort every match again for each page, which
  // grows with the square of the log; PostgreSQL weighs the LIMIT and needs no telling.
  function requestsTable(walking: boolean): Knex.QueryBuilder {
    if (!walking || isPostgres(db)) return db('rights_requests as r')
    return db.from(db.raw('?? as ?? indexed by ??', ['rights_requests', 'r', 'rights_requests_received_idx']))
  }

  /** Requests whose identity was established: those with a reference and duplicates closed at confirmation. */
  function logged(selection: LogSelection, options: { walking?: boolean } = {}) {
    const query = requestsTable(options.walking ?? false)
      .join('studies as s', 's.id', 'r.study_id')
      .whereNotNull('r.confirmed_at')
    if (selection.confirmedBy) query.where('r.confirmed_at', '<=', selection.confirmedBy)
    if (selection.receivedFrom) query.where('r.received_on', '>=', selection.receivedFrom)
    if (selection.receivedTo) query.where('r.received_on', '<=', selection.receivedTo)
    if (selection.type) query.where('r.type', selection.type)
    if (selection.study) query.where('s.slug', selection.study)
    if (selection.outcome) query.where('r.outcome', selection.outcome)
    if (selection.status) query.where('r.status', selection.status)
    if (selection.statuses) query.whereIn('r.status', selection.statuses)
    return query
  }

  const requestColumns = [
    'r.id',
    'r.reference',
    'r.type',
    'r.status',
    'r.channel',
    'r.received_at',
    'r.received_on',
    'r.clock_start_on',
    'r.paused_days',
    'r.extended',
    'r.pause_kind',
    'r.paused_since',
    'r.closed_at',
    'r.outcome',
    'r.outcome_reason',
    'r.record_id',
    'r.record_snapshot',
    's.slug as study_slug',
    's.survey_closes_on',
    's.platform_retention_months',
    's.voucher_retention_months',
    'u.role as assignee_role',
    'd.reference as duplicate_of_reference',
    'e.voucher_sent_on',
    'e.extracted_on',
    'e.platform_deleted_on',
    'e.voucher_deleted_on',
    'e.erased_on',
    'e.erasure_reason',
    'e.restricted_since',
  ]

  /** Pages of a query in the order received, by keyset (received_at, id). */
  const pages = <Row extends { received_at: string; id: string }, T>(
    query: () => Knex.QueryBuilder,
    map: (row: Row) => T,
    batchSize = defaultBatchSize,
  ): AsyncGenerator<T> =>
    keysetPages({
      query,
      keyColumn: 'r.received_at',
      idColumn: 'r.id',
      keyOf: (row: Row) => row.received_at,
      map,
      batchSize,
    })

  return {
    async count(selection: LogSelection): Promise<number> {
      const [row] = await logged(selection).count<{ n: number | string }[]>({ n: '*' })
      return Number(row?.n ?? 0)
    },

    /**
     * Walks the log in the order received, a page at a time by keyset (received_at, id), so memory
     * stays flat however many requests there are. Identities are read only when asked for.
     */
    walk(
      selection: LogSelection,
      options: { includeIdentities: boolean; batchSize?: number },
    ): AsyncGenerator<RequestLogSource> {
      const columns = options.includeIdentities
        ? [...requestColumns, 'r.requester_name', 'r.email']
        : requestColumns
      return pages(
        () =>
          logged(selection, { walking: true })
            .leftJoin('staff_users as u', 'u.id', 'r.assignee_id')
            .leftJoin('rights_requests as d', 'd.id', 'r.duplicate_of')
            .leftJoin('email_records as e', 'e.id', 'r.record_id')
            .select(columns),
        toSource,
        options.batchSize,
      )
    },

    /** The same walk reading only each request's clock: what the dashboard's figures need. */
    walkClocks(selection: LogSelection, batchSize?: number): AsyncGenerator<ClockSource> {
      return pages(() => logged(selection, { walking: true }).select(clockColumns), toClock, batchSize)
    },

    async countsByType(range: ReceivedRange): Promise<{ type: RequestType; count: number }[]> {
      const rows = await logged(range)
        .select('r.type')
        .count<{ type: RequestType; n: number | string }[]>({ n: '*' })
        .groupBy('r.type')
      return rows.map((r) => ({ type: r.type, count: Number(r.n) }))
    },

    /** By the month of the London date received, `YYYY-MM`. */
    countsByMonth(range: ReceivedRange): Promise<{ month: string; count: number }[]> {
      return countsByMonthOf(db, logged(range), 'r.received_on')
    },

    async refusalsByGround(range: ReceivedRange): Promise<{ ground: string; count: number }[]> {
      const rows = await logged({ ...range, status: 'refused' })
        .select('r.outcome_reason')
        .count<{ outcome_reason: string | null; n: number | string }[]>({ n: '*' })
        .groupBy('r.outcome_reason')
      return rows.map((r) => ({ ground: r.outcome_reason ?? 'not_recorded', count: Number(r.n) }))
    },

    async countExtended(range: ReceivedRange): Promise<number> {
      const [row] = await logged(range).where('r.extended', true).count<{ n: number | string }[]>({ n: '*' })
      return Number(row?.n ?? 0)
    },
  }
}

export type ReportsRepo = ReturnType<typeof reportsRepo>
