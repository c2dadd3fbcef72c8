import type { Knex } from 'knex'
import { keysetPages } from '../db/keyset-pages.js'
import {
  isComplaintChannel,
  isComplaintOutcome,
  isComplaintSubject,
  type ComplaintStatus,
  type ComplaintSubject,
} from '../domain/complaint.js'
import type { ComplaintLogFilters, ComplaintLogSource } from './complaint-log.js'
import type { ReceivedRange } from './request-log.js'
import { countsByMonthOf, defaultBatchSize } from './repo.js'

/** Which complaints a walk or a count reads: the log's filters, and complaints opened by an instant. */
export interface ComplaintSelection extends ComplaintLogFilters {
  /** Only complaints made at or before this UTC instant, so an export holds none made after it began. */
  madeBy?: string
  statuses?: readonly ComplaintStatus[]
}

interface LogRow {
  id: string
  reference: string | null
  study_slug: string | null
  subject: string
  channel: string
  status: ComplaintStatus
  received_on: string | null
  acknowledgement_due_on: string | null
  acknowledged_on: string | null
  response_target_on: string | null
  closed_on: string | null
  outcome: string | null
  request_reference: string | null
  requester_name?: string | null
  email?: string | null
}

function toSource(row: LogRow): ComplaintLogSource {
  return {
    id: row.id,
    reference: row.reference,
    studySlug: row.study_slug,
    subject: isComplaintSubject(row.subject) ? row.subject : 'other',
    channel: isComplaintChannel(row.channel) ? row.channel : 'portal',
    status: row.status,
    receivedOn: row.received_on,
    acknowledgementDueOn: row.acknowledgement_due_on,
    acknowledgedOn: row.acknowledged_on,
    responseTargetOn: row.response_target_on,
    closedOn: row.closed_on,
    outcome: isComplaintOutcome(row.outcome) ? row.outcome : null,
    requestReference: row.request_reference,
    requesterName: row.requester_name ?? null,
    email: row.email ?? null,
  }
}

const logColumns = [
  'c.id',
  'c.reference',
  's.slug as study_slug',
  'c.subject',
  'c.channel',
  'c.status',
  'c.received_on',
  'c.acknowledgement_due_on',
  'c.acknowledged_on',
  'c.response_target_on',
  'c.closed_on',
  'c.outcome',
  'r.reference as request_reference',
]

/** The only queries of the complaints log and the complaints on the dashboard. */
export function complaintReportsRepo(db: Knex) {
  /** Complaints that were opened: confirmed on the online form, or logged by staff. */
  function opened(selection: ComplaintSelection) {
    const query = db('complaints as c')
      .leftJoin('studies as s', 's.id', 'c.study_id')
      .whereIn('c.status', selection.statuses ?? ['open', 'closed'])
      .whereNotNull('c.reference')
      .whereNotNull('c.received_on')
    if (selection.madeBy) query.where('c.created_at', '<=', selection.madeBy)
    if (selection.receivedFrom) query.where('c.received_on', '>=', selection.receivedFrom)
    if (selection.receivedTo) query.where('c.received_on', '<=', selection.receivedTo)
    if (selection.study) query.where('s.slug', selection.study)
    if (selection.subject) query.where('c.subject', selection.subject)
    if (selection.outcome) query.where('c.outcome', selection.outcome).where('c.status', 'closed')
    return query
  }

  /** Pages in the order received, by keyset (received_on, id). */
  const pages = <Row extends { received_on: string | null; id: string }, T>(
    query: () => Knex.QueryBuilder,
    map: (row: Row) => T,
    batchSize = defaultBatchSize,
  ): AsyncGenerator<T> =>
    keysetPages({
      query,
      keyColumn: 'c.received_on',
      idColumn: 'c.id',
      keyOf: (row: Row) => row.received_on,
      map,
      batchSize,
    })

  const counted = async (query: Knex.QueryBuilder): Promise<number> => {
    const [row] = await query.count<{ n: number | string }[]>({ n: '*' })
    return Number(row?.n ?? 0)
  }

  return {
    count: (selection: ComplaintSelection): Promise<number> => counted(opened(selection)),

    /** Walks the log a page at a time, so memory stays flat; identities are read only when asked for. */
    walk(
      selection: ComplaintSelection,
      options: { includeIdentities: boolean; batchSize?: number },
    ): AsyncGenerator<ComplaintLogSource> {
      const columns = options.includeIdentities ? [...logColumns, 'c.requester_name', 'c.email'] : logColumns
      return pages(
        () => opened(selection).leftJoin('rights_requests as r', 'r.id', 'c.request_id').select(columns),
        toSource,
        options.batchSize,
      )
    },

    /** By the month of the London date received, `YYYY-MM`. */
    countsByMonth(range: ReceivedRange): Promise<{ month: string; count: number }[]> {
      return countsByMonthOf(db, opened(range), 'c.received_on')
    },

    async countsBySubject(range: ReceivedRange): Promise<{ subject: ComplaintSubject; count: number }[]> {
      const rows: { subject: string; n: number | string }[] = await opened(range)
        .select('c.subject')
        .count({ n: '*' })
        .groupBy('c.subject')
      return rows.flatMap((r) =>
        isComplaintSubject(r.subject) ? [{ subject: r.subject, count: Number(r.n) }] : [],
      )
    },

    async countsByOutcome(range: ReceivedRange): Promise<{ outcome: string; count: number }[]> {
      const rows: { outcome: string | null; n: number | string }[] = await opened({
        ...range,
        statuses: ['closed'],
      })
        .select('c.outcome')
        .count({ n: '*' })
        .groupBy('c.outcome')
      return rows.map((r) => ({ outcome: r.outcome ?? 'not_recorded', count: Number(r.n) }))
    },

    /** Acknowledged by the due date, after it, and still unacknowledged past it while open. */
    async acknowledgementCounts(
      range: ReceivedRange,
      today: string,
    ): Promise<{ onTime: number; late: number; overdue: number }> {
      const [onTime, late, overdue] = await Promise.all([
        counted(
          opened(range)
            .whereNotNull('c.acknowledged_on')
            .whereRaw('c.acknowledged_on <= c.acknowledgement_due_on'),
        ),
        counted(
          opened(range)
            .whereNotNull('c.acknowledged_on')
            .whereRaw('c.acknowledged_on > c.acknowledgement_due_on'),
        ),
        counted(
          opened({ ...range, statuses: ['open'] })
            .whereNull('c.acknowledged_on')
            .where('c.acknowledgement_due_on', '<', today),
        ),
      ])
      return { onTime, late, overdue }
    },

    countOpen: (range: ReceivedRange): Promise<number> => counted(opened({ ...range, statuses: ['open'] })),

    /** The dates of every closed complaint, a page at a time: what the days to outcome need. */
    walkClosed(
      range: ReceivedRange,
      batchSize?: number,
    ): AsyncGenerator<{ receivedOn: string; closedOn: string }> {
      return pages(
        () =>
          opened({ ...range, statuses: ['closed'] })
            .whereNotNull('c.closed_on')
            .select('c.id', 'c.received_on', 'c.closed_on'),
        (row: { id: string; received_on: string; closed_on: string }) => ({
          receivedOn: row.received_on,
          closedOn: row.closed_on,
        }),
        batchSize,
      )
    },
  }
}

export type ComplaintReportsRepo = ReturnType<typeof complaintReportsRepo>
