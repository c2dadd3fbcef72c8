import type { Knex } from 'knex'
import type { ComplaintStatus, ComplaintSubject, Complaint } from '../domain/complaint.js'
import { toComplaint, type ComplaintRow } from './repo.js'

/** The staff queue of complaints: the only queries behind it. */

export const complaintQueueTabs = ['acknowledgement', 'open', 'closed'] as const
export type ComplaintQueueTab = (typeof complaintQueueTabs)[number]

export function isComplaintQueueTab(value: unknown): value is ComplaintQueueTab {
  return typeof value === 'string' && (complaintQueueTabs as readonly string[]).includes(value)
}

export interface ComplaintQueueFilters {
  subject?: ComplaintSubject
  studyId?: string
  reference?: string
  /** Only complaints about this request. */
  requestId?: string
}

/** Keyset position: the last row of the previous page. */
export interface ComplaintQueueCursor {
  key: string
  id: string
}

export interface ComplaintQueueRow extends Complaint {
  studyTitle: string | null
  assigneeName: string | null
  requestReference: string | null
}

type QueueDbRow = ComplaintRow & {
  study_title: string | null
  assignee_name: string | null
  request_reference: string | null
}

/**
 * Each tab and the order it walks in: acknowledgements due soonest first, open complaints by
 * their response target, closed ones most recently closed first. Keyset pages, never OFFSET.
 */
const tabOrder: Record<
  ComplaintQueueTab,
  {
    column: 'acknowledgement_due_on' | 'response_target_on' | 'closed_on'
    direction: 'asc' | 'desc'
    status: ComplaintStatus
    unacknowledged?: true
  }
> = {
  acknowledgement: {
    column: 'acknowledgement_due_on',
    direction: 'asc',
    status: 'open',
    unacknowledged: true,
  },
  open: { column: 'response_target_on', direction: 'asc', status: 'open' },
  closed: { column: 'closed_on', direction: 'desc', status: 'closed' },
}

export function complaintQueue(db: Knex) {
  function filtered(filters: ComplaintQueueFilters, query: Knex.QueryBuilder) {
    if (filters.subject) query.where('c.subject', filters.subject)
    if (filters.studyId) query.where('c.study_id', filters.studyId)
    if (filters.reference) query.where('c.reference', filters.reference)
    if (filters.requestId) query.where('c.request_id', filters.requestId)
    return query
  }

  return {
    async page(
      tab: ComplaintQueueTab,
      filters: ComplaintQueueFilters,
      after: ComplaintQueueCursor | undefined,
      limit: number,
    ): Promise<{ rows: ComplaintQueueRow[]; next?: ComplaintQueueCursor }> {
      const { column, direction, status, unacknowledged } = tabOrder[tab]
      const query = filtered(
        filters,
        db('complaints as c')
          .leftJoin('studies as s', 's.id', 'c.study_id')
          .leftJoin('staff_users as u', 'u.id', 'c.assignee_id')
          .leftJoin('rights_requests as r', 'r.id', 'c.request_id')
          .where('c.status', status)
          .whereNotNull(`c.${column}`)
          .select(
            'c.*',
            's.title as study_title',
            'u.display_name as assignee_name',
            'r.reference as request_reference',
          ),
      )
      if (unacknowledged) query.whereNull('c.acknowledged_on')
      if (after) {
        const op = direction === 'asc' ? '>' : '<'
        query.where((q) =>
          q
            .where(`c.${column}`, op, after.key)
            .orWhere((q2) => q2.where(`c.${column}`, after.key).where('c.id', op, after.id)),
        )
      }
      const rows = (await query
        .orderBy([
          { column: `c.${column}`, order: direction },
          { column: 'c.id', order: direction },
        ])
        .limit(limit + 1)) as QueueDbRow[]
      const last = rows.length > limit ? rows[limit - 1] : undefined
      return {
        rows: rows.slice(0, limit).map((row) => ({
          ...toComplaint(row),
          studyTitle: row.study_title,
          assigneeName: row.assignee_name,
          requestReference: row.request_reference,
        })),
        next: last ? { key: String(last[column]), id: last.id } : undefined,
      }
    },

    async countsByTab(filters: ComplaintQueueFilters): Promise<Record<ComplaintQueueTab, number>> {
      const rows: { status: string; unacknowledged: number | string; n: number | string }[] = await filtered(
        filters,
        db('complaints as c'),
      )
        .whereIn('c.status', ['open', 'closed'])
        .select('c.status')
        .select(db.raw('sum(case when c.acknowledged_on is null then 1 else 0 end) as unacknowledged'))
        .count({ n: '*' })
        .groupBy('c.status')
      const counts: Record<ComplaintQueueTab, number> = { acknowledgement: 0, open: 0, closed: 0 }
      for (const row of rows) {
        if (row.status === 'open') {
          counts.open = Number(row.n)
          counts.acknowledgement = Number(row.unacknowledged)
        } else counts.closed = Number(row.n)
      }
      return counts
    },
  }
}

export type ComplaintQueue = ReturnType<typeof complaintQueue>
