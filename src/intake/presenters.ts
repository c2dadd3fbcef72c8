import type { ClockView } from '../domain/case-clock.js'
import type { RequestTypeInfo } from '../domain/request-types.js'
import type { RightsRequest } from '../domain/rights-request.js'
import { formatLondonDateTime, formatLongDate } from '../domain/clock.js'
import type { CaseMessage } from '../requests/repo.js'

/** The status page's summary of the request, in the person's words. */
export function statusSummaryRows(input: {
  request: RightsRequest
  info: RequestTypeInfo
  open: boolean
  clockView: ClockView | undefined
  detailRows: { label: string; value: string }[]
}): { key: string; value: string }[] {
  const { request, clockView, open } = input
  const rows = [
    { key: 'Reference', value: request.reference ?? 'Given when you confirm the request' },
    { key: 'Request', value: `${input.info.name} (${input.info.article})` },
    { key: 'Sent on', value: formatLongDate(request.receivedOn) },
  ]
  if (request.clockStartOn) rows.push({ key: 'Confirmed on', value: formatLongDate(request.clockStartOn) })
  if (open && clockView?.deadline) {
    rows.push({
      key: 'We must answer by',
      value: `${formatLongDate(clockView.deadline.due)}${request.extended ? ' (extended)' : ''}`,
    })
  }
  if (open && clockView && clockView.phase !== 'running') {
    rows.push({
      key: 'Time limit',
      value:
        clockView.phase === 'paused'
          ? 'Paused until you reply'
          : 'Stopped until we receive what we asked for',
    })
  }
  if (!open && request.closedAt && request.status === 'withdrawn') {
    rows.push({ key: 'Time limit', value: 'Stopped: you withdrew this request' })
  }
  for (const row of input.detailRows) rows.push({ key: row.label, value: row.value })
  return rows
}

/** How the deadline was worked out, as paragraphs, while the clock runs. */
export function deadlineExplanation(open: boolean, clockView: ClockView | undefined): string[] {
  if (!open || !clockView?.deadline) return []
  return [
    clockView.deadline.explanation,
    'The law gives us one calendar month from the day you confirmed your request. If the request is complex we can extend this by up to two more months, and we would tell you why before the first month ends.',
  ]
}

export interface PersonMessageRow {
  fromPerson: boolean
  heading: string
  subject: string | null
  body: string
}

/** The messages both ways, as the person reads them. */
export function personMessageRows(messages: CaseMessage[]): PersonMessageRow[] {
  return messages.map((m) => ({
    fromPerson: m.direction === 'from_person',
    heading: `${m.direction === 'from_person' ? 'You wrote' : 'We wrote'} on ${formatLondonDateTime(m.createdAt)}`,
    subject: m.subject,
    body: m.body,
  }))
}
